// paperfeed: keyboard shortcuts of the pages with paper cards (feed, trending, search).
// j/k next/previous paper, h/l or [ ] previous/next day, o or Enter open, u upvote, s save, ? help.
// Progressive enhancement only: nothing here is needed to read or vote. Keys typed into a
// field, or with Ctrl/Alt/Meta, are never taken.
(function () {
  "use strict";

  var SHORTCUTS = [
    ["j", "next paper"],
    ["k", "previous paper"],
    ["h or [", "previous day"],
    ["l or ]", "next day"],
    ["o or Enter", "open the paper"],
    ["u", "upvote the paper"],
    ["s", "save the paper (or unsave it)"],
    ["?", "show or hide this help"],
    ["Esc", "close this help"]
  ];

  function typing(target) {
    if (!target || !target.closest) return false;
    return Boolean(target.isContentEditable ||
      target.closest("input, textarea, select, [contenteditable]"));
  }

  function buildHelp() {
    var dialog = document.createElement("dialog");
    dialog.className = "keys-help";
    dialog.id = "keys-help";
    dialog.setAttribute("aria-labelledby", "keys-help-title");
    var title = document.createElement("h2");
    title.id = "keys-help-title";
    title.textContent = "Keyboard shortcuts";
    var list = document.createElement("dl");
    SHORTCUTS.forEach(function (pair) {
      var dt = document.createElement("dt");
      pair[0].split(" or ").forEach(function (key, i) {
        if (i) dt.appendChild(document.createTextNode(" or "));
        var kbd = document.createElement("kbd");
        kbd.textContent = key;
        dt.appendChild(kbd);
      });
      var dd = document.createElement("dd");
      dd.textContent = pair[1];
      list.appendChild(dt);
      list.appendChild(dd);
    });
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "Close";
    close.addEventListener("click", function () { dialog.close(); });
    dialog.appendChild(title);
    dialog.appendChild(list);
    dialog.appendChild(close);
    document.body.appendChild(dialog);
    return dialog;
  }

  function setup() {
    var cards = Array.prototype.slice.call(document.querySelectorAll("article.card"));
    var dayNav = document.querySelector(".period-nav");
    if (!cards.length && !dayNav) return;
    var help = buildHelp();
    var current = -1;

    // Say the shortcuts exist: a button in the footer opens the same help.
    var footer = document.querySelector(".site-footer .wrap");
    if (footer) {
      var open = document.createElement("button");
      open.type = "button";
      open.className = "link-button keys-hint";
      open.textContent = "Keyboard shortcuts (?)";
      open.addEventListener("click", function () { help.showModal(); });
      footer.appendChild(document.createTextNode(" · "));
      footer.appendChild(open);
    }

    function select(index) {
      if (!cards.length) return;
      index = Math.max(0, Math.min(cards.length - 1, index));
      if (current >= 0) cards[current].classList.remove("is-current");
      current = index;
      var card = cards[current];
      card.classList.add("is-current");
      var link = card.querySelector(".card-title a");
      if (link) link.focus({ preventScroll: true });
      card.scrollIntoView({ block: "nearest" });
    }

    function follow(selector) {
      var link = document.querySelector(selector);
      if (link && link.href) window.location.assign(link.href);
    }

    document.addEventListener("keydown", function (event) {
      if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey) return;
      if (help.open) { // the dialog has its own keys (Esc closes it); ? too
        if (event.key === "?") { help.close(); event.preventDefault(); }
        return;
      }
      if (typing(event.target)) return;
      var key = event.key;
      var card = current >= 0 ? cards[current] : null;
      if (key === "?") {
        help.showModal();
      } else if (key === "j") {
        select(current + 1);
      } else if (key === "k") {
        select(current < 0 ? 0 : current - 1);
      } else if (key === "h" || key === "[") {
        follow(".period-nav a[rel=prev]");
      } else if (key === "l" || key === "]") {
        follow(".period-nav a[rel=next]");
      } else if (key === "o" || (key === "Enter" && card && !event.target.closest("a, button, summary"))) {
        if (!card) return;
        follow("#" + CSS.escape(card.id) + " .card-title a");
      } else if (key === "u") {
        if (!card) return;
        var vote = card.querySelector(".votes"); // the vote button, or the log-in link
        if (vote) vote.click();
      } else if (key === "s") {
        if (!card) return;
        var save = card.querySelector(".save-button"); // the Save button, or the log-in link
        if (save) save.click();
      } else {
        return;
      }
      event.preventDefault();
    });
  }

  document.addEventListener("DOMContentLoaded", setup);
})();
