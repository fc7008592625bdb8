// paperfeed follows: progressive enhancement only; every follow button is a plain form
// (POST /follows) that works without this file. With it, the button sends the follow to
// the JSON API and changes in place. Any failure lets the form post (log in, rate limit,
// an error page from the server).
(function () {
  "use strict";

  function show(form, followId) {
    var following = followId !== null;
    form.elements.action.value = following ? "unfollow" : "follow";
    form.elements.follow_id.value = following ? String(followId) : "";
    var button = form.querySelector("button");
    button.setAttribute("aria-pressed", following ? "true" : "false");
    button.textContent = (following ? "Following " : "Follow ") + button.getAttribute("data-label");
  }

  function send(form, token) {
    var api = form.getAttribute("data-api");
    var headers = { "X-CSRF-Token": token, "Accept": "application/json" };
    if (form.elements.action.value === "unfollow" && form.elements.follow_id.value) {
      return fetch(api + "/" + encodeURIComponent(form.elements.follow_id.value), {
        method: "DELETE", headers: headers, credentials: "same-origin"
      }).then(function (response) {
        if (response.status !== 204 && response.status !== 404) throw new Error("unfollow failed");
        return null;
      });
    }
    headers["Content-Type"] = "application/json";
    var body = { kind: form.elements.kind.value, value: form.elements.value.value };
    if (form.elements.mode) body.mode = form.elements.mode.value;
    return fetch(api, {
      method: "POST", headers: headers, credentials: "same-origin", body: JSON.stringify(body)
    }).then(function (response) {
      if (!response.ok) throw new Error("follow failed: " + response.status);
      return response.json();
    }).then(function (made) { return made.id; });
  }

  function setup() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (!meta || !window.fetch) return;
    document.querySelectorAll("form.follow-form[data-api]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var button = form.querySelector("button");
        if (button.disabled) return;
        button.disabled = true;
        send(form, meta.content).then(function (followId) {
          show(form, followId);
          button.disabled = false;
        }).catch(function () {
          form.submit();
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", setup);
})();
