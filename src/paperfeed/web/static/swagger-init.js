// Starts Swagger UI on /docs (an external file: the Content-Security-Policy allows no inline
// script). The schema's URL comes from the page, data-openapi-url on #swagger-ui.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  if (!root || !window.SwaggerUIBundle) return;
  window.ui = window.SwaggerUIBundle({
    url: root.getAttribute("data-openapi-url"),
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null, // no badge from validator.swagger.io: it would send it the schema's URL
    presets: [window.SwaggerUIBundle.presets.apis]
  });
})();
