/* Percorsi: small page behaviours (no inline scripts: the Content-Security-Policy forbids them). */
(function () {
  "use strict";
  if (window.bootstrap && window.bootstrap.loadFonts) {
    window.bootstrap.loadFonts(document.body.dataset.fonts);
  }

  // "Select all" checkbox of the worklist's bulk actions.
  document.querySelectorAll("[data-select-all]").forEach(function (master) {
    var boxes = document.querySelectorAll(master.dataset.selectAll);
    master.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = master.checked; });
    });
  });

  // The reassign field is needed only for the "assign" bulk action.
  document.querySelectorAll("[data-assignee-for]").forEach(function (field) {
    var select = document.getElementById(field.dataset.assigneeFor);
    var sync = function () { field.hidden = select.value !== "assign"; };
    select.addEventListener("change", sync);
    sync();
  });

  // Move focus to the error summary of a refused form, so screen readers announce it.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
