// Starts Redoc on /redoc (an external file: the Content-Security-Policy allows no inline
// script). Redoc writes its CSS into <style> elements; the page's nonce lets them apply.
(function () {
  "use strict";
  var root = document.getElementById("redoc");
  if (!root || !window.Redoc) return;
  window.Redoc.init(
    root.getAttribute("data-openapi-url"),
    { nonce: root.getAttribute("data-style-nonce"), disableSearch: true },
    root
  );
})();
