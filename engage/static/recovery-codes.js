// The recovery codes page: copy the codes, download them as a .txt file, print them. The buttons stay
// hidden until this script shows them, so a browser without it (or without Blob downloads) shows
// only the codes, which can still be selected, copied and printed by hand.
(function () {
  "use strict";
  var codes = document.getElementById("recovery-codes");
  var actions = document.querySelector("[data-recovery-actions]");
  if (!codes || !actions || !window.Blob || !window.URL || !window.URL.createObjectURL) {
    return;
  }
  var status = document.querySelector("[data-recovery-status]");
  var word = window.engageWord || function (key, english, values) {
    return english.replace(/\{(\w+)\}/g, function (all, name) { return values[name]; });
  };
  var COPIED = word("codesCopied", "Copied the codes. Paste them into your password manager.");
  var list = codes.textContent.trim() + "\n";

  function say(text) {
    status.textContent = text;
  }

  function selectCodes() {
    var range = document.createRange();
    range.selectNodeContents(codes);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function copyBySelection() {  // for browsers without the asynchronous clipboard (or not on https)
    selectCodes();
    var copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (error) {
      copied = false;
    }
    say(copied ? COPIED : word("codesSelected", "The codes are selected: press Ctrl+C (⌘C on a Mac) to copy them."));
  }

  function download() {
    var text = codes.getAttribute("data-heading") + "\n\n" + list;
    var url = window.URL.createObjectURL(new Blob([text], {type: "text/plain;charset=utf-8"}));
    var link = document.createElement("a");
    link.href = url;
    link.download = codes.getAttribute("data-filename") || "recovery-codes.txt";
    document.body.appendChild(link);
    link.click();
    link.remove();
    window.setTimeout(function () { window.URL.revokeObjectURL(url); }, 10000);
    say(word("codesDownloaded", "Downloaded {file}. Keep it somewhere only you can open.", {file: link.download}));
  }

  actions.hidden = false;
  actions.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (button && button.hasAttribute("data-copy")) {
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(list).then(function () {
          say(COPIED);
        }, copyBySelection);
      } else {
        copyBySelection();
      }
    } else if (button && button.hasAttribute("data-download")) {
      download();
    }
    // [data-print] is engage.js's: it prints the page, whose navigation and buttons print stylesheets hide.
  });
})();
