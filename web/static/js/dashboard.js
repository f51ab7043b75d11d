/* The dashboard's charts (Chart.js) and the heatmap of waiting cases on a diagram (bpmn-js). */
(function () {
  'use strict';

  var config = JSON.parse(document.getElementById('dashboard-config').textContent);
  var T = config.text;
  var PALETTE = ['#0066cc', '#008055', '#995c00', '#b71918', '#5c2f91', '#00687d', '#5c6f82'];
  var $ = function (id) { return document.getElementById(id); };

  function fmt(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_m, key) { return values[key]; });
  }

  function bar(id, labels, datasets, options) {
    var canvas = $(id);
    if (!canvas || !window.Chart) { return; }
    new window.Chart(canvas, {
      type: 'bar',
      data: { labels: labels, datasets: datasets },
      options: Object.assign({
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: datasets.length > 1 } },
        scales: { y: { beginAtZero: true } }
      }, options || {})
    });
  }

  function drawCharts() {
    bar('chart-referrals', config.groups, [{ label: T.referrals, data: config.referrals, backgroundColor: PALETTE[0] }]);
    bar('chart-medians', config.groups, T.stages.map(function (stage, i) {
      return { label: stage + ' (' + T.days + ')', data: config.medians[i], backgroundColor: PALETTE[i] };
    }));
    bar('chart-outcomes', config.outcomes.labels, [{
      label: T.outcomes, data: config.outcomes.values, backgroundColor: PALETTE
    }], { indexAxis: 'y', scales: { x: { beginAtZero: true } } });
    bar('chart-backlog', config.backlog.labels, [
      { label: T.open, data: config.backlog.open, backgroundColor: PALETTE[0] },
      { label: T.overdue, data: config.backlog.overdue, backgroundColor: PALETTE[3] },
      { label: T.escalated, data: config.backlog.escalated, backgroundColor: PALETTE[2] }
    ]);
  }

  /* ---- heatmap ---------------------------------------------------------------------------- */

  var viewer = null;

  function level(count, max) {
    if (typeof count !== 'number') { return 'heat-hidden'; }
    var share = max ? count / max : 0;
    return share > 0.66 ? 'heat-3' : (share > 0.33 ? 'heat-2' : 'heat-1');
  }

  function badge(count, cls, name) {
    var span = document.createElement('span');
    span.className = 'heat-badge ' + cls;
    span.textContent = String(count);
    span.title = name + ': ' + (typeof count === 'number' ? count + ' ' + T.cases : T.hidden);
    return span;
  }

  function listItem(name, count) {
    var li = document.createElement('li');
    li.className = 'list-inline-item';
    li.textContent = name + ': ' + count;
    return li;
  }

  function paint(data) {
    var canvas = viewer.get('canvas');
    var overlays = viewer.get('overlays');
    var registry = viewer.get('elementRegistry');
    var numbers = Object.keys(data.counts).map(function (k) { return data.counts[k]; })
      .filter(function (v) { return typeof v === 'number'; });
    var max = numbers.length ? Math.max.apply(null, numbers) : 0;
    var missing = [];
    $('heatmap-list').innerHTML = '';
    Object.keys(data.counts).forEach(function (id) {
      var count = data.counts[id];
      var element = registry.get(id);
      var known = (data.names || {})[id];
      if (!element) { missing.push((known || T.unnamed) + ' (' + count + ')'); return; }
      var cls = level(count, max);
      var name = element.businessObject.name || known || T.unnamed;
      canvas.addMarker(id, cls);
      overlays.add(id, 'heatmap', { position: { top: -12, right: 12 }, html: badge(count, cls, name) });
      $('heatmap-list').appendChild(listItem(name, count));
    });
    var status = Object.keys(data.counts).length ? '' : T.noCases;
    if (missing.length) { status = T.missing + ' ' + missing.join(', '); }
    $('heatmap-status').textContent = status;
  }

  function loadHeatmap(processId) {
    document.body.dataset.heatmapReady = 'false';
    if (!processId) { return Promise.resolve(); }
    viewer = viewer || new window.BpmnJS({ container: '#heatmap-canvas' });
    var url = config.heatmapUrl + '?' + new URLSearchParams(Object.assign(
      Object.fromEntries(new URLSearchParams(window.location.search)), { process: processId }
    )).toString();
    return fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) { throw new Error(body.detail || r.statusText); }
          return body;
        });
      })
      .then(function (data) {
        return viewer.importXML(data.xml).then(function () {
          viewer.get('canvas').zoom('fit-viewport', 'auto');
          paint(data);
        });
      })
      .catch(function (err) { $('heatmap-status').textContent = fmt(T.failed, { detail: err.message }); })
      .then(function () { document.body.dataset.heatmapReady = 'true'; });
  }

  drawCharts();
  var select = $('heatmap-process');
  if (select) {
    select.addEventListener('change', function () { loadHeatmap(select.value); });
    loadHeatmap(select.value || config.heatmapProcess);
  } else {
    document.body.dataset.heatmapReady = 'true';
  }
}());
