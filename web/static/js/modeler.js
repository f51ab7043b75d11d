/* The coordinator's model editor: bpmn-js Modeler, Percorsi's task properties panel,
   server-side validation shown on the elements, and deploy as a new version. */
(function () {
  'use strict';

  var config = JSON.parse(document.getElementById('modeler-config').textContent);
  var T = config.text;
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute('content');
  var HUMAN_TASKS = ['bpmn:UserTask', 'bpmn:ManualTask'];
  var BLANK = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"',
    ' xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"',
    ' xmlns:di="http://www.omg.org/spec/DD/20100524/DI"',
    ' xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"',
    ' id="definitions" targetNamespace="http://percorsi.example/bpmn">',
    '<bpmn:process id="nuovo_percorso" name="__NAME__" isExecutable="true">',
    '<bpmn:startEvent id="inizio" /></bpmn:process>',
    '<bpmndi:BPMNDiagram id="diagram"><bpmndi:BPMNPlane id="plane" bpmnElement="nuovo_percorso">',
    '<bpmndi:BPMNShape id="inizio_di" bpmnElement="inizio"><dc:Bounds x="180" y="160" width="36" height="36" />',
    '</bpmndi:BPMNShape></bpmndi:BPMNPlane></bpmndi:BPMNDiagram></bpmn:definitions>'
  ].join('');

  var modeler = new window.BpmnJS({
    container: '#canvas',
    moddleExtensions: { spiffworkflow: window.PercorsiSpiffModdle }
  });
  var modeling = modeler.get('modeling');
  var moddle = modeler.get('moddle');
  var canvas = modeler.get('canvas');
  var overlays = modeler.get('overlays');
  var registry = modeler.get('elementRegistry');
  var selection = modeler.get('selection');
  var eventBus = modeler.get('eventBus');
  window.percorsiModeler = modeler; // for tests and the browser console

  var $ = function (id) { return document.getElementById(id); };
  var current = null;
  var dirty = false;
  var errorIds = [];

  function fmt(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_m, key) { return values[key]; });
  }

  function escapeXml(text) {
    return String(text).replace(/[<>&"']/g, function (c) {
      return { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' }[c];
    });
  }

  function message(kind, text) {
    var box = $('modeler-messages');
    box.innerHTML = '';
    var div = document.createElement('div');
    div.className = 'alert alert-' + kind;
    div.setAttribute('role', kind === 'danger' ? 'alert' : 'status');
    div.textContent = text;
    box.appendChild(div);
    return div;
  }

  function setDirty(value) {
    dirty = value;
    var badge = $('dirty-state');
    badge.textContent = value ? T.dirty : T.clean;
    badge.className = 'badge ms-1 ' + (value ? 'bg-warning text-dark' : 'bg-secondary');
  }

  /* ---- spiffworkflow:properties on a business object ---------------------------------- */

  function readProps(bo) {
    var values = (bo.extensionElements && bo.extensionElements.values) || [];
    var holder = values.filter(function (v) { return v.$type === 'spiffworkflow:properties'; })[0];
    var out = {};
    ((holder && holder.properties) || []).forEach(function (p) { out[p.name] = p.value; });
    return out;
  }

  function writeProps(element, changes) {
    var bo = element.businessObject;
    var props = Object.assign(readProps(bo), changes);
    var items = Object.keys(props).filter(function (k) {
      return props[k] !== '' && props[k] !== null && props[k] !== undefined;
    }).map(function (k) {
      return moddle.create('spiffworkflow:property', { name: k, value: String(props[k]) });
    });
    var others = ((bo.extensionElements && bo.extensionElements.values) || []).filter(function (v) {
      return v.$type !== 'spiffworkflow:properties';
    });
    var values = items.length
      ? others.concat([moddle.create('spiffworkflow:properties', { properties: items })])
      : others;
    var ext = values.length ? moddle.create('bpmn:ExtensionElements', { values: values }) : undefined;
    modeling.updateProperties(element, { extensionElements: ext });
  }

  /* ---- dueIn: number + unit, or an expression ----------------------------------------- */

  function parseDue(text) {
    var m = /^P(\d+)([DWM])$/.exec(text || '') || /^PT(\d+)(H)$/.exec(text || '');
    if (m) { return { amount: m[1], unit: m[2], expression: '' }; }
    return text ? { amount: '', unit: 'expr', expression: text } : { amount: '', unit: '', expression: '' };
  }

  function buildDue() {
    var unit = $('prop-due-unit').value;
    var amount = $('prop-due-amount').value.trim();
    if (unit === 'expr') { return $('prop-due-expression').value.trim(); }
    if (!unit || amount === '' || !/^\d+$/.test(amount)) { return ''; }
    return unit === 'H' ? 'PT' + amount + 'H' : 'P' + amount + unit;
  }

  function saveDue() {
    var text = buildDue();
    $('prop-due-iso').textContent = text || '—';
    writeProps(current, { dueIn: text });
  }

  function showDue(text) {
    var due = parseDue(text);
    $('prop-due-amount').value = due.amount;
    $('prop-due-unit').value = due.unit;
    $('prop-due-expression').value = due.expression;
    $('due-expression-group').hidden = due.unit !== 'expr';
    $('prop-due-amount').disabled = due.unit === 'expr' || due.unit === '';
    $('prop-due-iso').textContent = text || '—';
  }

  /* ---- escalation ladder: rows of (days after due, action) ----------------------------- */

  function parseLadder(text) {
    return (text || '').split(',').filter(Boolean).map(function (step) {
      var parts = step.split(':');
      var days = /^P(\d+)D$/.exec(parts[0].trim());
      return { days: days ? days[1] : '0', action: (parts[1] || '').trim() };
    });
  }

  function addStepRow(step) {
    var row = $('escalation-step-template').content.firstElementChild.cloneNode(true);
    var select = row.querySelector('.step-action');
    config.escalationActions.forEach(function (a) { select.add(new Option(a.label, a.code)); });
    row.querySelector('.step-days').value = step.days;
    select.value = step.action || config.escalationActions[0].code;
    row.querySelector('.step-remove').addEventListener('click', function () {
      row.remove();
      saveLadder();
    });
    $('escalation-steps').appendChild(row);
  }

  function showLadder(text) {
    $('escalation-steps').innerHTML = '';
    var custom = Boolean(text);
    $('escalation-default').checked = !custom;
    $('escalation-custom').checked = custom;
    $('escalation-add').hidden = !custom;
    parseLadder(text).forEach(addStepRow);
  }

  function saveLadder() {
    if (!current) { return; }
    var text = '';
    if ($('escalation-custom').checked) {
      text = Array.prototype.map.call($('escalation-steps').children, function (row) {
        var days = row.querySelector('.step-days').value.trim() || '0';
        return 'P' + days + 'D:' + row.querySelector('.step-action').value;
      }).join(',');
    }
    writeProps(current, { escalation: text });
  }

  /* ---- the panel ------------------------------------------------------------------------ */

  function fillSelect(select, options, value) {
    while (select.options.length > 1) { select.remove(1); }
    options.forEach(function (o) { select.add(new Option(o.label, o.code)); });
    if (value && !options.some(function (o) { return o.code === value; })) {
      select.add(new Option(value, value));
    }
    select.value = value || '';
  }

  function showGroups(text) {
    var chosen = (text || '').split(',').map(function (g) { return g.trim(); }).filter(Boolean);
    var roles = config.roles.slice();
    chosen.forEach(function (g) {
      if (!roles.some(function (r) { return r.code === g; })) { roles.push({ code: g, label: g }); }
    });
    var box = $('prop-groups');
    box.innerHTML = '';
    roles.forEach(function (role, i) {
      var wrap = document.createElement('div');
      wrap.className = 'form-check my-1';
      var input = document.createElement('input');
      input.type = 'checkbox';
      input.className = 'form-check-input';
      input.id = 'group-' + i;
      input.value = role.code;
      input.checked = chosen.indexOf(role.code) >= 0;
      input.addEventListener('change', saveGroups);
      var lab = document.createElement('label');
      lab.className = 'form-check-label';
      lab.htmlFor = input.id;
      lab.textContent = role.label;
      wrap.appendChild(input);
      wrap.appendChild(lab);
      box.appendChild(wrap);
    });
  }

  function saveGroups() {
    var codes = Array.prototype.filter.call($('prop-groups').querySelectorAll('input'), function (i) {
      return i.checked;
    }).map(function (i) { return i.value; });
    writeProps(current, { candidateGroups: codes.join(',') });
  }

  function render() {
    var el = current && current.businessObject ? current : null;
    $('panel-empty').hidden = Boolean(el);
    $('panel-form').hidden = !el;
    if (!el) { return; }
    var bo = el.businessObject;
    var isProcess = bo.$type === 'bpmn:Process';
    $('panel-type').textContent = bo.$type.replace('bpmn:', '');
    $('panel-id').textContent = bo.id;
    $('field-process-id').hidden = !isProcess;
    $('prop-process-id').value = isProcess ? bo.id : '';
    $('prop-process-id').disabled = !config.isNew;
    $('prop-name').value = bo.name || '';
    var isTask = HUMAN_TASKS.indexOf(bo.$type) >= 0;
    $('task-fields').hidden = !isTask;
    if (!isTask) { return; }
    var props = readProps(bo);
    showGroups(props.candidateGroups);
    fillSelect($('prop-organization'), config.organizations, props.organization);
    showDue(props.dueIn);
    fillSelect($('prop-form'), config.forms, props.formKey);
    fillSelect($('prop-priority'), config.priorities, props.priority);
    showLadder(props.escalation);
  }

  function bindPanel() {
    $('prop-name').addEventListener('change', function () {
      modeling.updateProperties(current, { name: $('prop-name').value.trim() || undefined });
    });
    $('prop-process-id').addEventListener('change', function () {
      var id = $('prop-process-id').value.trim();
      if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(id)) { modeling.updateProperties(current, { id: id }); }
    });
    $('prop-organization').addEventListener('change', function (e) { writeProps(current, { organization: e.target.value }); });
    $('prop-form').addEventListener('change', function (e) { writeProps(current, { formKey: e.target.value }); });
    $('prop-priority').addEventListener('change', function (e) { writeProps(current, { priority: e.target.value }); });
    $('prop-due-unit').addEventListener('change', function () {
      var unit = $('prop-due-unit').value;
      $('prop-due-amount').disabled = unit === '' || unit === 'expr';
      $('due-expression-group').hidden = unit !== 'expr';
      if (unit && unit !== 'expr' && !$('prop-due-amount').value) { $('prop-due-amount').value = '30'; }
      saveDue();
    });
    ['prop-due-amount', 'prop-due-expression'].forEach(function (id) {
      $(id).addEventListener('change', saveDue);
    });
    ['escalation-default', 'escalation-custom'].forEach(function (id) {
      $(id).addEventListener('change', function () {
        if ($('escalation-custom').checked && !$('escalation-steps').children.length) {
          addStepRow({ days: '0', action: 'notify_assignee' });
        }
        saveLadder();
      });
    });
    $('escalation-add').addEventListener('click', function () {
      addStepRow({ days: '3', action: 'notify_coordinators' });
      saveLadder();
    });
    $('escalation-steps').addEventListener('change', saveLadder);
  }

  eventBus.on('selection.changed', function (e) {
    var chosen = e.newSelection;
    current = chosen.length === 1 ? chosen[0] : (chosen.length ? null : canvas.getRootElement());
    render();
  });
  eventBus.on('element.changed', function (e) {
    if (current && e.element === current && !document.activeElement.closest('#panel-form')) { render(); }
  });
  eventBus.on('commandStack.changed', function (e) {
    if (e.trigger !== 'clear') { setDirty(true); }
  });
  window.addEventListener('beforeunload', function (e) {
    if (dirty) { e.preventDefault(); e.returnValue = T.unsaved; return T.unsaved; }
    return undefined;
  });

  /* ---- validation errors on the diagram -------------------------------------------------- */

  function clearErrors() {
    overlays.remove({ type: 'percorsi-error' });
    errorIds.forEach(function (id) { if (registry.get(id)) { canvas.removeMarker(id, 'percorsi-has-error'); } });
    errorIds = [];
    $('validation-errors').innerHTML = '';
    $('validation-panel').hidden = true;
  }

  function errorItem(problem) {
    var li = document.createElement('li');
    li.className = 'list-group-item';
    var element = problem.element_id ? registry.get(problem.element_id) : null;
    var name = element ? (element.businessObject.name || problem.name) : problem.name;
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'btn btn-link p-0 text-start validation-error';
    button.dataset.elementId = problem.element_id || '';
    button.dataset.code = problem.code || '';
    button.textContent = problem.code
      ? problem.text
      : (name || T.noElement) + ': ' + (problem.text || problem.message);
    button.disabled = !element;
    button.addEventListener('click', function () {
      selection.select(element);
      canvas.scrollToElement(element);
    });
    li.appendChild(button);
    return li;
  }

  function showErrors(body) {
    var problems = (body.errors && body.errors.length) ? body.errors : [{ message: body.detail || body.title || '?' }];
    var list = $('validation-errors');
    problems.forEach(function (p) {
      list.appendChild(errorItem(p));
      if (p.element_id && registry.get(p.element_id) && errorIds.indexOf(p.element_id) < 0) {
        errorIds.push(p.element_id);
        canvas.addMarker(p.element_id, 'percorsi-has-error');
        var badge = document.createElement('span');
        badge.className = 'percorsi-error-badge';
        badge.title = p.text || p.message;
        badge.textContent = '!';
        overlays.add(p.element_id, 'percorsi-error', { position: { top: -10, right: 10 }, html: badge });
      }
    });
    $('validation-panel').hidden = false;
    message('danger', fmt(T.invalid, { n: problems.length }));
  }

  /* ---- talking to the server -------------------------------------------------------------- */

  function post(url) {
    return modeler.saveXML({ format: true }).then(function (saved) {
      return fetch(url, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': csrf },
        body: JSON.stringify({ xml: saved.xml })
      });
    }).then(function (res) {
      return res.json().catch(function () { return { detail: res.statusText }; }).then(function (body) {
        return { ok: res.ok, status: res.status, body: body };
      });
    });
  }

  function handleFailure(result) {
    if (result.status === 422 || result.status === 413) { showErrors(result.body); return; }
    message('danger', fmt(T.failed, { detail: result.body.detail || result.status }));
  }

  function validate() {
    clearErrors();
    return post(config.validateUrl).then(function (result) {
      if (result.ok) { message('success', T.valid); } else { handleFailure(result); }
      return result.ok;
    });
  }

  function deployed(body) {
    var mine = body.deployed.filter(function (d) { return d.process_id === canvas.getRootElement().businessObject.id; })[0] || body.deployed[0];
    setDirty(false);
    var box = message('success', fmt(mine.created ? T.deployed : T.unchanged, { n: mine.number }));
    box.dataset.version = mine.number;
    box.dataset.created = mine.created;
    $('modeler-version').textContent = fmt(T.editing, { n: mine.number, latest: mine.number });
    if (config.isNew) {
      config.isNew = false;
      window.history.replaceState(null, '', mine.edit_url);
    }
  }

  function deploy() {
    clearErrors();
    return post(config.deployUrl).then(function (result) {
      if (result.ok) { deployed(result.body); } else { handleFailure(result); }
    });
  }

  $('validate-button').addEventListener('click', validate);
  $('deploy-button').addEventListener('click', function () { $('deploy-dialog').showModal(); });
  $('deploy-dialog').addEventListener('close', function () {
    if ($('deploy-dialog').returnValue === 'confirm') { deploy(); }
  });
  bindPanel();

  /* A reference bpmn-js cannot resolve is kept by name rather than dropped: SpiffWorkflow reads
     loopDataInputRef/loopDataOutputRef as the names of case data, which no BPMN element declares.
     The writer writes a reference as its target's id, so a detached stand-in round-trips it. */
  function named(name) {
    return name ? moddle.create('bpmn:ItemAwareElement', { id: name }) : undefined;
  }

  function keepReference(warning) {
    var match = /^unresolved reference <(.+)>$/.exec(warning.message || '');
    if (!match || !warning.element || !warning.property) { return false; }
    var property = warning.property.replace(/^bpmn:/, '');
    var value = warning.element.get(property);
    if (Array.isArray(value)) { value.push(named(match[1])); } else { warning.element.set(property, named(match[1])); }
    return true;
  }

  function load() {
    var source = config.xmlUrl
      ? fetch(config.xmlUrl, { credentials: 'same-origin' }).then(function (r) { return r.text(); })
      : Promise.resolve(BLANK.replace('__NAME__', escapeXml(config.newProcessName)));
    return source.then(function (xml) { return modeler.importXML(xml); }).then(function (result) {
      (result.warnings || []).forEach(function (w) {
        if (!keepReference(w)) { window.console.warn('bpmn import:', w.message); }
      });
      canvas.zoom('fit-viewport', 'auto');
      canvas.zoom(Math.min(canvas.zoom() * 0.9, 1.2), 'auto');
      canvas.scroll({ dx: 40, dy: 0 }); // keep the palette off the diagram
      setDirty(false);
      current = canvas.getRootElement();
      render();
    }).catch(function (err) {
      message('danger', fmt(T.importError, { detail: err.message }));
    }).then(function () { document.body.dataset.modelerReady = 'true'; });
  }

  load();
}());
