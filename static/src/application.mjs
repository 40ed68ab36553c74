// Starts GOV.UK Frontend's JavaScript components (error summary focus, navigation toggle...).
import { initAll } from "./govuk/govuk-frontend.min.js";

initAll();
