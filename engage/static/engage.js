// What every page's markup asks for with data- attributes. Pages carry no inline script (the
// Content-Security-Policy refuses it, engage/headers.py), so the behaviours live here:
//   <form data-confirm="Question?">  asks before submitting;
//   <input data-select-on-focus>     selects its text when focused (addresses to copy);
//   <button data-print>              prints the page.
(function () {
  "use strict";
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
})();
