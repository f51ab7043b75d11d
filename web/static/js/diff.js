/* The version diff page: the newer diagram with added and changed elements highlighted. */
(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('diff-config').textContent);
  var viewer = new window.BpmnJS({ container: '#diff-canvas' });
  fetch(config.xmlUrl, { credentials: 'same-origin' })
    .then(function (r) { return r.text(); })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () {
      var canvas = viewer.get('canvas');
      var registry = viewer.get('elementRegistry');
      canvas.zoom('fit-viewport', 'auto');
      Object.keys(config.markers).forEach(function (id) {
        if (registry.get(id)) { canvas.addMarker(id, 'diff-' + config.markers[id]); }
      });
    })
    .catch(function (err) { document.getElementById('diff-canvas').textContent = err.message; })
    .then(function () { document.body.dataset.diagramReady = 'true'; });
}());
