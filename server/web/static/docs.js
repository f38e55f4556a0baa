// Starts Swagger UI on /api/docs. A file, not an inline script, so the page's CSP holds.
"use strict";
window.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.specUrl,
    domNode: root,
    deepLinking: true,
    // The spec validator is a third-party service: never call it.
    validatorUrl: null,
    // Configuration comes from here only, never from the page's query string.
    queryConfigEnabled: false,
  });
});
