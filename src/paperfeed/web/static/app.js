// paperfeed: progressive enhancement only; every page works without this file.
(function () {
  "use strict";

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      try {
        document.execCommand("copy") ? resolve() : reject(new Error("copy failed"));
      } catch (err) {
        reject(err);
      } finally {
        document.body.removeChild(area);
      }
    });
  }

  function setupCopyButtons() {
    document.querySelectorAll("button[data-copy-target]").forEach(function (button) {
      var target = document.getElementById(button.getAttribute("data-copy-target"));
      if (!target) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        copyText(target.textContent).then(
          function () { button.textContent = "Copied!"; },
          function () { button.textContent = "Select and copy"; }
        ).finally(function () {
          setTimeout(function () { button.textContent = "Copy"; }, 2000);
        });
      });
    });
  }

  // Upvotes: send the vote form with fetch() to the JSON endpoint and update the count in
  // place. Without JavaScript (or if fetch fails) the form posts and the page reloads.
  function showVote(form, state) {
    form.elements.action.value = state.upvoted ? "down" : "up";
    var button = form.querySelector("button");
    button.setAttribute("aria-pressed", state.upvoted ? "true" : "false");
    button.title = state.upvoted ? "Remove your upvote" : "Upvote";
    form.querySelector(".count").textContent = String(state.upvotes);
    // The same count said in words elsewhere on the page ("42 upvotes" under the title).
    document.querySelectorAll("[data-upvotes-of]").forEach(function (total) {
      if (total.getAttribute("data-upvotes-of") !== state.id) return;
      total.textContent = state.upvotes + (state.upvotes === 1 ? " upvote" : " upvotes");
    });
  }

  function setupVotes() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (!meta || !window.fetch) return;
    document.querySelectorAll("form.vote-form[data-api]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var button = form.querySelector("button");
        if (button.disabled) return;
        button.disabled = true;
        var up = form.elements.action.value === "up";
        fetch(form.getAttribute("data-api"), {
          method: up ? "POST" : "DELETE",
          headers: { "X-CSRF-Token": meta.content, "Accept": "application/json" },
          credentials: "same-origin"
        }).then(function (response) {
          if (!response.ok) throw new Error("vote failed: " + response.status);
          return response.json();
        }).then(function (state) {
          showVote(form, state);
          button.disabled = false;
        }).catch(function () {
          form.submit(); // let the server answer (log in, rate limit, error page)
        });
      });
    });
  }

  // Save: send the save form with fetch() to the JSON endpoint and show the new state in
  // place (every Save button of the same paper on the page). Without JavaScript (or if
  // fetch fails) the form posts and the page reloads.
  function showSaved(id, saved) {
    document.querySelectorAll("form.save-form[data-api]").forEach(function (form) {
      if (form.getAttribute("data-api") !== "/api/papers/" + id + "/save") return;
      form.elements.action.value = saved ? "unsave" : "save";
      var button = form.querySelector("button");
      button.setAttribute("aria-pressed", saved ? "true" : "false");
      button.title = saved ? "Remove from your library" : "Save to your library";
      form.querySelector(".save-mark").textContent = saved ? "\u2605" : "\u2606";
      form.querySelector(".save-label").textContent = saved ? "Saved" : "Save";
    });
  }

  function setupSaves() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (!meta || !window.fetch) return;
    document.querySelectorAll("form.save-form[data-api]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var button = form.querySelector("button");
        if (button.disabled) return;
        button.disabled = true;
        var save = form.elements.action.value === "save";
        fetch(form.getAttribute("data-api"), {
          method: save ? "POST" : "DELETE",
          headers: { "X-CSRF-Token": meta.content, "Accept": "application/json" },
          credentials: "same-origin"
        }).then(function (response) {
          if (!response.ok) throw new Error("save failed: " + response.status);
          return response.json();
        }).then(function (state) {
          showSaved(state.id, state.saved);
          button.disabled = false;
        }).catch(function () {
          form.submit(); // let the server answer (log in, rate limit, error page)
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", setupCopyButtons);
  document.addEventListener("DOMContentLoaded", setupVotes);
  document.addEventListener("DOMContentLoaded", setupSaves);
})();
