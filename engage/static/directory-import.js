// Upload progress for the directory's CSV import. Without JavaScript the form posts as usual;
// with it, the same POST goes through XMLHttpRequest so the upload can show how far it has got,
// and the page the server answers with (result, list of bad lines, or "too large") replaces this one.
(function () {
  "use strict";
  var form = document.querySelector("form[data-upload-progress]");
  if (!form || !window.XMLHttpRequest || !window.FormData || !window.DOMParser) {
    return;
  }
  var box = form.querySelector(".upload-progress");
  var bar = box.querySelector(".progress");
  var fill = box.querySelector(".progress-bar");
  var status = form.querySelector("[data-upload-status]");
  var button = form.querySelector("button[type=submit]");
  var input = form.querySelector("input[type=file]");
  var maxBytes = parseInt(form.getAttribute("data-max-bytes"), 10) || 0;
  var word = window.engageWord || function (key, english, values) {
    return english.replace(/\{(\w+)\}/g, function (all, name) { return values[name]; });
  };

  function size(bytes) {  // the way the page writes sizes
    if (bytes >= 1048576) {
      return (bytes / 1048576).toFixed(1).replace(/\.0$/, "") + " MB";
    }
    return bytes >= 1024 ? Math.round(bytes / 1024) + " KB" : bytes + " bytes";
  }

  function show(percent, text) {
    box.hidden = false;
    bar.setAttribute("aria-valuenow", String(percent));
    fill.style.width = percent + "%";
    fill.textContent = percent + "%";
    if (text) {
      status.textContent = text;
    }
  }

  function fail(text) {
    status.textContent = text;
    status.classList.add("text-danger");
    fill.classList.remove("progress-bar-striped", "progress-bar-animated");
    fill.classList.add("bg-danger");
    button.disabled = false;
  }

  function replacePage(xhr) {
    var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
    var main = doc.querySelector("main");
    if (!main) {
      fail(word("uploadUnexpected", "The server answered with something unexpected ({status}). Try again.", {status: xhr.status}));
      return;
    }
    if (doc.querySelector("[data-import-job]") && xhr.responseURL) {
      // A big file became a background job: load its page for real, so its progress poll runs.
      window.location.assign(xhr.responseURL);
      return;
    }
    if (xhr.responseURL && xhr.responseURL !== window.location.href) {
      window.history.pushState(null, "", xhr.responseURL);
    }
    document.title = doc.title;
    document.querySelector("main").replaceWith(main);
    window.scrollTo(0, 0);
  }

  form.addEventListener("submit", function (event) {
    var file = input.files && input.files[0];
    if (!file) {
      return;  // let the server say that a file is needed
    }
    event.preventDefault();
    status.classList.remove("text-danger");
    fill.classList.remove("bg-danger");
    if (maxBytes && file.size > maxBytes) {
      show(0);
      fail(word("uploadTooLarge", "{file} is {size}; the limit is {limit}. Split it into smaller files, each with the header row.",
                {file: file.name, size: size(file.size), limit: size(maxBytes)}));
      return;
    }
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        var percent = Math.floor((e.loaded / e.total) * 100);
        show(percent, word("uploading", "Uploading {file}: {done} of {total}", {file: file.name, done: size(e.loaded), total: size(e.total)}));
      }
    });
    xhr.upload.addEventListener("load", function () {
      show(100, word("uploaded", "Uploaded. Checking every row…"));
      fill.classList.add("progress-bar-striped", "progress-bar-animated");
    });
    xhr.addEventListener("load", function () {
      replacePage(xhr);
    });
    xhr.addEventListener("error", function () {
      fail(word("uploadLost", "The upload failed: the connection was lost. Check the network and try again."));
    });
    xhr.addEventListener("abort", function () {
      fail(word("uploadStopped", "The upload was stopped."));
    });
    button.disabled = true;
    show(0, word("uploadStarting", "Starting the upload of {file}…", {file: file.name}));
    xhr.send(new FormData(form));
  });
})();
