// The task UI's only script: refresh the inbox every 10 s, and move focus to a form's errors.
// Everything works without it (the inbox then needs a reload).
(function () {
  "use strict";
  var inbox = document.getElementById("inbox");
  if (inbox && inbox.dataset.refresh && window.fetch) {
    var refresh = function () {
      if (document.hidden) { return; }
      // Do not replace the list while someone is using it with the keyboard.
      if (inbox.contains(document.activeElement)) { return; }
      fetch(inbox.dataset.refresh, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (r) { return r.ok && !r.redirected ? r.text() : null; })
        .then(function (html) { if (html !== null && html !== inbox.innerHTML) { inbox.innerHTML = html; } })
        .catch(function () { /* offline for a moment: try again at the next tick */ });
    };
    window.setInterval(refresh, 10000);
    document.addEventListener("visibilitychange", refresh);
  }
  var summary = document.getElementById("error-summary");
  var firstInvalid = document.querySelector("[aria-invalid=true]");
  if (firstInvalid) { firstInvalid.focus(); } else if (summary) { summary.focus(); }
})();
