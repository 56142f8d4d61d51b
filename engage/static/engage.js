// What every page's markup asks for with data- attributes. Pages carry no inline script (the
// Content-Security-Policy refuses it, engage/headers.py), so the behaviours live here:
//   <form data-confirm="Question?">  asks before submitting;
//   <input data-select-on-focus>     selects its text when focused (addresses to copy);
//   <button data-print>              prints the page;
//   <textarea maxlength=N>           shows how many of its N characters are used (a text input
//                                    shows it once it is 80% full);
//   <table class="coverage-table">   jumps to its cells land below its sticky header row.
// engageWord(key, English, values) gives the other scripts their words in the page's language.
(function () {
  "use strict";
  // The words scripts show, in the page's language: base.html writes them (templates/_script_words.html)
  // into <body data-words> as JSON; {name} in a word is one of `values`. The English when one is missing.
  var words = null;
  window.engageWord = function (key, english, values) {
    if (words === null) {
      try {
        words = JSON.parse((document.body && document.body.getAttribute("data-words")) || "{}");
      } catch (error) {
        words = {};
      }
    }
    var text = words[key] || english;
    Object.keys(values || {}).forEach(function (name) {
      text = text.split("{" + name + "}").join(String(values[name]));
    });
    return text;
  };
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
  document.addEventListener("focusin", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-select-on-focus")) {
      event.target.select();
    }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) {
      window.print();
    }
  });
  Array.prototype.forEach.call(document.querySelectorAll("textarea[maxlength], input[type=text][maxlength]"), function (field) {
    var max = parseInt(field.getAttribute("maxlength"), 10);
    if (!max || !field.id) return;
    var counter = document.createElement("div");
    counter.className = "form-text text-end";
    counter.id = field.id + "-counter";
    field.insertAdjacentElement("afterend", counter);
    var described = field.getAttribute("aria-describedby");
    field.setAttribute("aria-describedby", (described ? described + " " : "") + counter.id);
    var show = function () {
      var used = field.value.length;
      counter.hidden = field.tagName !== "TEXTAREA" && used < max * 0.8;
      counter.textContent = window.engageWord("counter", "{used} of {max} characters", {used: used, max: max});
      counter.classList.toggle("text-danger", used >= max);
    };
    field.addEventListener("input", show);
    show();
  });
  // The coverage matrix: a jump to a cell lands below the sticky header row, whose height depends on
  // how its theme names wrap, so the cells' scroll margin (engage.css) is told that height.
  document.querySelectorAll(".coverage-table").forEach(function (table) {
    var measure = function () {
      table.style.setProperty("--coverage-head", table.tHead.offsetHeight + "px");
    };
    measure();
    window.addEventListener("resize", measure);
  });
})();
