/* The migration pages: choosing versions reloads the choices; a running migration is advanced
   batch by batch from here (the scheduler advances it too) until it is done. */
(function () {
  "use strict";

  document.querySelectorAll("select[data-refresh]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  var box = document.getElementById("migration-progress");
  if (!box || box.dataset.done === "true") { return; }
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var bar = box.querySelector("progress");
  var shown = box.querySelector("[data-processed]");

  function step() {
    fetch(box.dataset.advanceUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRF-Token": csrf }
    })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (progress) {
        bar.value = progress.processed;
        shown.textContent = progress.processed;
        if (progress.done) { window.location.reload(); } else { window.setTimeout(step, 200); }
      })
      .catch(function () { window.setTimeout(step, 3000); });
  }
  step();
})();
