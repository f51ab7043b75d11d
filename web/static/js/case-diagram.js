/* Draws a case's diagram with the bpmn-js viewer and marks where the case stands. */
(function () {
  "use strict";
  var container = document.getElementById("case-diagram");
  if (!container || !window.BpmnJS) { return; }
  var viewer = new window.BpmnJS({ container: container });
  var marks = [
    ["completed", "element-completed"],
    ["active", "element-active"],
    ["incident", "element-incident"]
  ];

  function mark(canvas, registry) {
    marks.forEach(function (pair) {
      JSON.parse(container.dataset[pair[0]] || "[]").forEach(function (id) {
        if (registry.get(id)) { canvas.addMarker(id, pair[1]); }
      });
    });
  }

  fetch(container.dataset.xmlUrl, { credentials: "same-origin" })
    .then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.text();
    })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () {
      var canvas = viewer.get("canvas");
      canvas.zoom("fit-viewport", "auto");
      mark(canvas, viewer.get("elementRegistry"));
      container.dataset.ready = "true";
    })
    .catch(function () {
      container.textContent = container.dataset.errorText;
      container.dataset.ready = "error";
    });
})();
