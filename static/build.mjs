// Builds static/dist from static/src and the govuk-frontend npm package.
// Run by `npm run build` (the Makefile does this); static/dist is generated and not committed.
//
// Every file the compiled CSS, the scripts and the templates refer to must be in static/dist:
// production's manifest storage refuses to collect a stylesheet that names a missing file,
// and a page naming one answers 500. So the references are read from what was built, the
// GOV.UK Frontend files among them are copied from the package, and the build fails, naming
// them, if any reference is left without a file.
import { compile, NodePackageImporter } from "sass";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, posix, relative } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const src = join(here, "src");
const dist = join(here, "dist");
const govuk = join(root, "node_modules", "govuk-frontend", "dist", "govuk");
// Where the package's files land in static/dist (and so under STATIC_URL).
const GOVUK_PREFIX = "govuk/";
// Static files that Django apps ship themselves (collectstatic finds them in the apps), not
// this build: templates may name them without static/dist holding them.
const APP_STATIC_PREFIXES = ["admin/", "rest_framework/", "drf_spectacular_sidecar/"];

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

const css = compile(join(src, "civicmarkets.scss"), {
  importers: [new NodePackageImporter()],
  style: "compressed",
  // GOV.UK Frontend's own deprecation notices are theirs to fix, not ours.
  quietDeps: true,
  silenceDeprecations: ["import"],
});
writeFileSync(join(dist, "civicmarkets.css"), css.css);

// Our own scripts, styles and images, as they are (the Sass is compiled above). GOV.UK
// Frontend's files come in below, as what is built names them (application.mjs imports its
// script, the CSS names its images).
cpSync(src, dist, { recursive: true, filter: (path) => !path.endsWith(".scss") });

// Follow references from what is built until every one has its file: a stylesheet's url()s,
// a script's imports and source map, the templates' {% static %} names.
const missing = new Map();
const problems = new Set();
const queue = ["civicmarkets.css", ...listFiles(src).filter((f) => /\.(css|m?js)$/.test(f))];
const done = new Set();
while (queue.length) {
  const file = queue.shift();
  if (done.has(file)) continue;
  done.add(file);
  for (const target of referencesIn(file)) {
    if (!existsSync(join(dist, target)) && target.startsWith(GOVUK_PREFIX)) copyFromGovuk(target);
    if (existsSync(join(dist, target))) queue.push(target);
    else missing.set(target, file);
  }
}
for (const [template, name] of templateReferences()) {
  if (APP_STATIC_PREFIXES.some((prefix) => name.startsWith(prefix))) continue;
  if (!existsSync(join(dist, name))) missing.set(name, template);
}
for (const [target, from] of missing) problems.add(`  ${target}, named in ${from}, has no file`);
if (problems.size) {
  console.error(`static/dist cannot be served as built:\n${[...problems].join("\n")}`);
  process.exit(1);
}
console.log(`static/dist built (${css.css.length} bytes of CSS, ${done.size} files checked)`);

function copyFromGovuk(target) {
  const from = join(govuk, target.slice(GOVUK_PREFIX.length));
  if (existsSync(from)) cpSync(from, join(dist, target));
}

// The static paths (relative to static/dist) that a built file refers to. Only stylesheets
// and scripts refer on; images, fonts and source maps are leaves.
function referencesIn(file) {
  if (!/\.(css|m?js)$/.test(file)) return [];
  const text = readFileSync(join(dist, file), "utf8");
  const patterns = file.endsWith(".css")
    ? [/url\(\s*["']?([^"')]+?)["']?\s*\)/g]
    : [
        /\bimport\s*(?:[\w*{}\s,]+from\s*)?["']([^"']+)["']/g,
        /\/\/# sourceMappingURL=(\S+)/g,
      ];
  const found = [];
  for (const pattern of patterns) {
    for (const [, url] of text.matchAll(pattern)) {
      if (/^(data:|#|[a-z]+:|\/\/)/i.test(url)) continue;
      if (url.startsWith("/")) {
        // A root-relative URL breaks under any other STATIC_URL (a CDN, a sub-path).
        problems.add(`  ${url} in ${file}: make it relative to the file`);
        continue;
      }
      found.push(posix.normalize(posix.join(posix.dirname(file), url.split(/[?#]/)[0])));
    }
  }
  return found;
}

// [template, static name] for every {% static "name" %} in the project's templates.
function templateReferences() {
  const folders = [join(root, "templates"), ...appTemplateFolders()];
  const found = [];
  for (const folder of folders) {
    for (const file of listFiles(folder).filter((f) => f.endsWith(".html"))) {
      const text = readFileSync(join(folder, file), "utf8");
      for (const [, , name] of text.matchAll(/\{%\s*static\s+(["'])([^"']+)\1/g)) {
        found.push([relative(root, join(folder, file)), name]);
      }
    }
  }
  return found;
}

function appTemplateFolders() {
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !/^(\.|node_modules|static|var|templates)/.test(entry.name))
    .map((entry) => join(root, entry.name, "templates"))
    .filter((folder) => existsSync(folder));
}

function listFiles(folder) {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(folder, join(entry.parentPath ?? entry.path, entry.name)));
}
