// The page of a background import: asks the server how far the job has got every second, moves the
// <progress> bar, and reloads the page when the job has ended so it shows the result or the lines to
// fix. Without JavaScript the page refreshes itself instead (a <noscript> meta refresh).
(function () {
  "use strict";
  var box = document.querySelector("[data-import-job]");
  if (!box || !window.fetch) {
    return;
  }
  var url = box.getAttribute("data-import-job");
  var bar = box.querySelector("progress");
  var status = box.querySelector("[data-import-status]");

  function count(n) {
    return Number(n).toLocaleString("en");
  }

  function show(state) {
    if (state.finished) {
      window.location.reload();
      return;
    }
    if (state.status === "running" && state.total > 0) {
      bar.max = state.total;
      bar.value = state.done;
      // Worded by the server in the page's language; the English wording is kept for an older server.
      status.textContent = state.progress_text ||
        (state.phase_label + ": " + count(state.done) + " of " + count(state.total) + " rows");
    } else {
      bar.removeAttribute("value");  // not started yet: an indeterminate bar
      status.textContent = state.status_label + "…";
    }
    window.setTimeout(poll, 1000);
  }

  function poll() {
    window.fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(show)
      .catch(function () {
        window.setTimeout(poll, 5000);  // a lost connection or a restart: try again, less often
      });
  }

  window.setTimeout(poll, 1000);
})();
