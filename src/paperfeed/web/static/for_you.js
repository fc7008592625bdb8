// For you: progressive enhancement. Every form works without this file (it posts and the
// server answers 303 back); with it, the feedback buttons of every card ("more like this",
// "not interested") go to the JSON API and update the card in place (on /for-you a card the
// reader is not interested in goes, with Undo), and /for-you's settings are sent as soon as
// a control changes.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : null;
  }

  function send(method, url, body) {
    var headers = { "X-CSRF-Token": csrfToken(), "Accept": "application/json" };
    var init = { method: method, headers: headers, credentials: "same-origin" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(url, init).then(function (response) {
      if (!response.ok) throw new Error(method + " " + url + ": " + response.status);
      return response.json();
    });
  }

  // The plain form's answer, for when fetch failed (log in, rate limit, an error page).
  function postPlainly(form, kind) {
    var field = document.createElement("input");
    field.type = "hidden";
    field.name = "kind";
    field.value = kind;
    form.appendChild(field);
    form.submit();
  }

  // ---------------------------------------------------------------- settings

  function setupSettings() {
    var form = document.getElementById("for-you-settings");
    if (!form) return;
    var mix = form.elements.mix;
    var output = document.getElementById("mix-value");
    var apply = form.querySelector("button.apply");
    var timer = null;
    mix.addEventListener("input", function () {
      var mine = Number(mix.value);
      output.textContent = mine + "% mine";
      mix.setAttribute("aria-valuetext", mine + "% mine, " + (100 - mine) + "% the community");
    });
    // One submission after the reader stops moving (arrow keys fire "change" per step).
    form.addEventListener("change", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        form.classList.add("busy");
        form.submit();
      }, 400);
    });
    if (apply) apply.hidden = true;
  }

  // ---------------------------------------------------------------- feedback

  // Both buttons say whether they are on; pressed again, a button undoes itself.
  var STATES = {
    "feedback-more": {
      kind: "more",
      on: ["More like this ✓", "Undo: stop asking for more like this"],
      off: ["More like this", "Rank papers like this one higher in For you"]
    },
    "feedback-not": {
      kind: "not_interested",
      on: ["Not interested ✓", "Undo: show it in For you again"],
      off: ["Not interested", "Hide this paper from For you and rank papers like it lower"]
    }
  };

  function showState(form, kind) {
    Object.keys(STATES).forEach(function (name) {
      var button = form.querySelector("button." + name);
      if (!button) return;
      var state = STATES[name];
      var on = kind === state.kind;
      var words = on ? state.on : state.off;
      button.value = on ? "clear" : state.kind;
      button.textContent = words[0];
      button.title = words[1];
      button.setAttribute("aria-pressed", on ? "true" : "false");
    });
  }

  function setBusy(form, busy) {
    form.querySelectorAll("button").forEach(function (button) { button.disabled = busy; });
  }

  function hideItem(form, api) {
    var item = form.closest(".for-you-item");
    var bar = document.createElement("div");
    bar.className = "notice undo-notice";
    bar.setAttribute("role", "status");
    var words = document.createElement("span");
    words.textContent = "You will not see “" + form.getAttribute("data-title") + "” here again. ";
    var undo = document.createElement("button");
    undo.type = "button";
    undo.textContent = "Undo";
    bar.appendChild(words);
    bar.appendChild(undo);
    item.hidden = true;
    item.parentNode.insertBefore(bar, item);
    undo.focus();
    undo.addEventListener("click", function () {
      undo.disabled = true;
      send("DELETE", api).then(function () {
        bar.parentNode.removeChild(bar);
        item.hidden = false;
        showState(form, null);
        setBusy(form, false);
        var first = form.querySelector("button");
        if (first) first.focus();
      }).catch(function () { postPlainly(form, "clear"); });
    });
  }

  function setupFeedback() {
    if (!csrfToken() || !window.fetch) return;
    document.querySelectorAll("form.feedback-form[data-api]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        var button = event.submitter;
        if (!button || !button.value) return; // an old browser: the form posts
        event.preventDefault();
        var kind = button.value;
        var api = form.getAttribute("data-api");
        setBusy(form, true);
        var sent = kind === "clear" ? send("DELETE", api) : send("PUT", api, { kind: kind });
        sent.then(function (state) {
          if (state.kind === "not_interested" && form.closest(".for-you-item")) {
            hideItem(form, api); // on For you the card goes, with Undo
          } else {
            showState(form, state.kind);
            setBusy(form, false);
          }
        }).catch(function () { postPlainly(form, kind); });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", setupSettings);
  document.addEventListener("DOMContentLoaded", setupFeedback);
})();
