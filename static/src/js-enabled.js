// GOV.UK Frontend styles its components for JavaScript only once <body> has these classes.
// Loaded (not inline) at the top of <body>, so it runs before the page is drawn and the
// Content-Security-Policy can refuse every inline script.
document.body.className +=
  " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
