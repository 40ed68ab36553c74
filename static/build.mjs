// Builds static/dist from static/src and the govuk-frontend npm package.
// Run by `npm run build` (the Makefile does this); static/dist is generated and not committed.
import { compile, NodePackageImporter } from "sass";
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "dist");
const govuk = join(here, "..", "node_modules", "govuk-frontend", "dist", "govuk");

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

const css = compile(join(here, "src", "civicmarkets.scss"), {
  importers: [new NodePackageImporter()],
  style: "compressed",
  // GOV.UK Frontend's own deprecation notices are theirs to fix, not ours.
  quietDeps: true,
  silenceDeprecations: ["import"],
});
writeFileSync(join(dist, "civicmarkets.css"), css.css);

cpSync(join(govuk, "govuk-frontend.min.js"), join(dist, "govuk", "govuk-frontend.min.js"));
cpSync(join(here, "src", "application.mjs"), join(dist, "application.mjs"));
cpSync(join(here, "src", "images"), join(dist, "images"), { recursive: true });
console.log(`static/dist built (${css.css.length} bytes of CSS)`);
