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

  var italian = (document.documentElement.lang || 'it').slice(0, 2) === 'it';
  var modeler = new window.BpmnJS({
    container: '#canvas',
    moddleExtensions: { spiffworkflow: window.PercorsiSpiffModdle },
    additionalModules: italian ? [window.PercorsiBpmnItalian] : []
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

  /* ---- what routes a case: conditions, timers, loops, calls, messages, scripts ---------- */

  function definitionOf(bo, type) {
    return ((bo && bo.eventDefinitions) || []).filter(function (d) { return d.$type === type; })[0];
  }

  function expression(text) {
    return text ? moddle.create('bpmn:FormalExpression', { body: text }) : undefined;
  }

  function upstreamForms(element) {
    var seen = {};
    var keys = [];
    var todo = (element.source ? [element.source] : []).concat(
      (element.incoming || []).map(function (c) { return c.source; }));
    while (todo.length) {
      var node = todo.pop();
      if (!node || seen[node.id]) { continue; }
      seen[node.id] = true;
      var key = readProps(node.businessObject).formKey;
      if (key && keys.indexOf(key) < 0) { keys.push(key); }
      (node.incoming || []).forEach(function (c) { todo.push(c.source); });
      if (node.host) { todo.push(node.host); }
    }
    return keys;
  }

  function showFlow(el) {
    var bo = el.businessObject;
    var source = el.source && el.source.businessObject;
    var branching = source && /Gateway$/.test(source.$type) && source.$type !== 'bpmn:ParallelGateway';
    $('prop-default').closest('.form-check').hidden = !branching;
    $('prop-default').checked = Boolean(branching && source.default === bo);
    $('prop-condition').value = (bo.conditionExpression && bo.conditionExpression.body) || '';
    var fields = [];
    upstreamForms(el).forEach(function (key) {
      (config.formFields[key] || []).forEach(function (f) {
        if (!fields.some(function (x) { return x.code === f.code; })) {
          fields.push({ code: f.code, label: f.label + ' (' + f.code + ')' });
        }
      });
    });
    fillSelect($('prop-condition-field'), fields, '');
  }

  function saveCondition() {
    modeling.updateProperties(current, { conditionExpression: expression($('prop-condition').value.trim()) });
  }

  var TIMER_UNITS = { M: 'PT%M', H: 'PT%H', D: 'P%D', W: 'P%W', MO: 'P%M' };

  function parseTimer(def) {
    var kind = ['timeDuration', 'timeDate', 'timeCycle'].filter(function (k) { return def.get(k); })[0] || 'timeDuration';
    var text = def.get(kind) ? (def.get(kind).body || '').trim() : '';
    var literal = /^"([^"]*)"$/.exec(text) || /^'([^']*)'$/.exec(text);
    if (text && !literal) { return { kind: 'expr', source: kind, expression: text }; }
    var value = literal ? literal[1] : '';
    var out = { kind: kind, source: kind, value: value, repeat: '', amount: '', unit: 'D', date: '' };
    var duration = value;
    if (kind === 'timeCycle') {
      var cycle = /^R(\d*)\/(.*)$/.exec(value);
      out.repeat = cycle ? cycle[1] : '';
      duration = cycle ? cycle[2] : '';
    }
    if (kind === 'timeDate') { out.date = value.slice(0, 16); return out; }
    var m = /^PT(\d+)([HM])$/.exec(duration) || /^P(\d+)([DWM])$/.exec(duration);
    if (m) {
      out.amount = m[1];
      out.unit = duration.indexOf('T') >= 0 ? m[2] : (m[2] === 'M' ? 'MO' : m[2]);
    }
    return out;
  }

  function timerValue() {
    var kind = $('prop-timer-kind').value;
    if (kind === 'expr') { return $('prop-timer-expression').value.trim(); }
    if (kind === 'timeDate') {
      var date = $('prop-timer-date').value;
      return date ? '"' + date + (date.length === 16 ? ':00' : '') + '"' : '';
    }
    var amount = $('prop-timer-amount').value.trim();
    if (!/^\d+$/.test(amount)) { return ''; }
    var duration = TIMER_UNITS[$('prop-timer-unit').value].replace('%', amount);
    if (kind === 'timeCycle') {
      var repeat = $('prop-timer-repeat').value.trim();
      return '"R' + (/^\d+$/.test(repeat) ? repeat : '') + '/' + duration + '"';
    }
    return '"' + duration + '"';
  }

  function showTimerGroups(kind) {
    $('timer-amount-group').hidden = kind === 'timeDate' || kind === 'expr';
    $('timer-repeat-group').hidden = kind !== 'timeCycle';
    $('timer-date-group').hidden = kind !== 'timeDate';
    $('timer-expression-group').hidden = kind !== 'expr';
  }

  function showTimer(def) {
    var t = parseTimer(def);
    $('prop-timer-kind').value = t.kind;
    $('prop-timer-kind').dataset.source = t.source;
    $('prop-timer-expression').value = t.expression || '';
    $('prop-timer-amount').value = t.amount || '';
    $('prop-timer-unit').value = t.unit || 'D';
    $('prop-timer-repeat').value = t.repeat || '';
    $('prop-timer-date').value = t.date || '';
    showTimerGroups(t.kind);
    var shown = def.get(t.source);
    $('prop-timer-iso').textContent = (shown && shown.body) || '—';
  }

  function saveTimer() {
    var def = definitionOf(current.businessObject, 'bpmn:TimerEventDefinition');
    var kind = $('prop-timer-kind').value;
    var target = kind === 'expr' ? ($('prop-timer-kind').dataset.source || 'timeDuration') : kind;
    $('prop-timer-kind').dataset.source = target;
    var text = timerValue();
    var changes = { timeDuration: undefined, timeDate: undefined, timeCycle: undefined };
    changes[target] = expression(text);
    modeling.updateModdleProperties(current, def, changes);
    $('prop-timer-iso').textContent = text || '—';
  }

  function showLoop(loop) {
    var input = loop.get('loopDataInputRef');
    var item = loop.get('inputDataItem');
    $('prop-loop-input').value = (input && input.id) || '';
    $('prop-loop-item').value = (item && (item.name || item.id)) || '';
  }

  function saveLoop() {
    var loop = current.businessObject.loopCharacteristics;
    var item = $('prop-loop-item').value.trim();
    modeling.updateModdleProperties(current, loop, {
      loopDataInputRef: named($('prop-loop-input').value.trim()),
      inputDataItem: item ? moddle.create('bpmn:DataInput', { id: item, name: item }) : undefined
    });
  }

  function messageHolder(bo) {
    return definitionOf(bo, 'bpmn:MessageEventDefinition') ||
      (/^bpmn:(Send|Receive)Task$/.test(bo.$type) ? bo : null);
  }

  function definitions() {
    return canvas.getRootElement().businessObject.$parent;
  }

  function showMessage(holder) {
    var list = $('message-names');
    list.innerHTML = '';
    (definitions().rootElements || []).forEach(function (r) {
      if (r.$type === 'bpmn:Message') { list.appendChild(new Option(r.name || r.id, r.name || r.id)); }
    });
    var ref = holder.messageRef;
    $('prop-message').value = ref ? (ref.name || ref.id) : '';
  }

  function saveMessage() {
    var name = $('prop-message').value.trim();
    var defs = definitions();
    var found = null;
    if (name) {
      found = (defs.rootElements || []).filter(function (r) {
        return r.$type === 'bpmn:Message' && (r.name || r.id) === name;
      })[0];
      if (!found) {
        found = moddle.create('bpmn:Message', { id: 'message_' + name.replace(/[^A-Za-z0-9_]/g, '_'), name: name });
        found.$parent = defs;
        defs.get('rootElements').push(found);
      }
    }
    modeling.updateModdleProperties(current, messageHolder(current.businessObject), { messageRef: found || undefined });
  }

  function checkCode(button) {
    var result = $('check-result');
    result.textContent = T.checking;
    fetch(config.checkUrl, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify({
        kind: button.dataset.kind,
        source: $(button.dataset.source).value,
        forms: upstreamForms(current)
      })
    }).then(function (res) { return res.json(); }).then(function (body) {
      result.textContent = body.text || body.detail || '?';
      result.className = 'small mt-2 ' + (/^(true|false|ran)$/.test(body.outcome) ? 'text-success' : 'text-danger');
      result.dataset.outcome = body.outcome || 'error';
    });
  }

  function renderRouting(el) {
    var bo = el.businessObject;
    var isFlow = bo.$type === 'bpmn:SequenceFlow';
    var timer = definitionOf(bo, 'bpmn:TimerEventDefinition');
    var loop = bo.loopCharacteristics && bo.loopCharacteristics.$type === 'bpmn:MultiInstanceLoopCharacteristics'
      ? bo.loopCharacteristics : null;
    var message = messageHolder(bo);
    $('flow-fields').hidden = !isFlow;
    $('timer-fields').hidden = !timer;
    $('loop-fields').hidden = !loop;
    $('call-fields').hidden = bo.$type !== 'bpmn:CallActivity';
    $('message-fields').hidden = !message;
    $('script-fields').hidden = bo.$type !== 'bpmn:ScriptTask';
    $('check-result').textContent = '';
    if (isFlow) { showFlow(el); }
    if (timer) { showTimer(timer); }
    if (loop) { showLoop(loop); }
    if (bo.$type === 'bpmn:CallActivity') { fillSelect($('prop-called'), config.processes, bo.calledElement); }
    if (message) { showMessage(message); }
    if (bo.$type === 'bpmn:ScriptTask') { $('prop-script').value = bo.script || ''; }
  }

  function bindRouting() {
    $('prop-condition').addEventListener('change', saveCondition);
    $('prop-condition-field').addEventListener('change', function (e) {
      var box = $('prop-condition');
      if (!e.target.value) { return; }
      box.value = (box.value.trim() ? box.value.trim() + ' ' : '') + e.target.value;
      e.target.value = '';
      saveCondition();
      box.focus();
    });
    $('prop-default').addEventListener('change', function (e) {
      modeling.updateProperties(current.source, { default: e.target.checked ? current.businessObject : undefined });
    });
    $('prop-timer-kind').addEventListener('change', function () {
      showTimerGroups($('prop-timer-kind').value);
      if ($('prop-timer-kind').value !== 'expr' && $('prop-timer-kind').value !== 'timeDate' && !$('prop-timer-amount').value) {
        $('prop-timer-amount').value = '1';
      }
      saveTimer();
    });
    ['prop-timer-amount', 'prop-timer-unit', 'prop-timer-repeat', 'prop-timer-date', 'prop-timer-expression'].forEach(function (id) {
      $(id).addEventListener('change', saveTimer);
    });
    ['prop-loop-input', 'prop-loop-item'].forEach(function (id) { $(id).addEventListener('change', saveLoop); });
    $('prop-called').addEventListener('change', function (e) {
      modeling.updateProperties(current, { calledElement: e.target.value || undefined });
    });
    $('prop-message').addEventListener('change', saveMessage);
    $('prop-script').addEventListener('change', function (e) {
      modeling.updateProperties(current, { script: e.target.value });
    });
    Array.prototype.forEach.call(document.querySelectorAll('.check-code'), function (button) {
      button.addEventListener('click', function () { checkCode(button); });
    });
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
    renderRouting(el);
    if (!isTask) { return; }
    var props = readProps(bo);
    showGroups(props.candidateGroups);
    var orgs = config.organizations.concat([{ code: 'case_owner', label: T.caseOwner }]);
    if (props.organization && !orgs.some(function (o) { return o.code === props.organization; })) {
      orgs.push({ code: props.organization, label: fmt(T.fromData, { name: props.organization }) });
    }
    fillSelect($('prop-organization'), orgs, props.organization);
    showDue(props.dueIn);
    fillSelect($('prop-form'), config.forms, props.formKey);
    $('form-edit').disabled = !(props.formKey && config.formSchemas[props.formKey]);
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
        body: JSON.stringify({ xml: saved.xml, forms: editedForms })
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

  /* ---- forms: edited as JSON Schema, previewed by the task page's renderer ------------- */

  var editedForms = {};
  var previewTimer = null;
  var previewed = null;

  function formProblems(texts) {
    var list = $('form-problems');
    list.innerHTML = '';
    texts.forEach(function (t) {
      var li = document.createElement('li');
      li.textContent = t;
      list.appendChild(li);
    });
  }

  function previewForm() {
    previewed = null;
    $('form-use').disabled = true;
    var schema;
    try { schema = JSON.parse($('form-schema').value); } catch (err) {
      formProblems([fmt(T.badSchema, { detail: err.message })]);
      return Promise.resolve();
    }
    var key = $('form-key').value.trim();
    return fetch(config.previewUrl, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify({ key: key, schema: schema })
    }).then(function (res) {
      return res.json().then(function (body) { return { ok: res.ok, body: body }; });
    }).then(function (result) {
      if (!result.ok) {
        var errors = result.body.errors || [];
        formProblems(errors.length ? errors.map(function (e) { return e.text || e.message; }) : [result.body.detail]);
        return;
      }
      formProblems([]);
      $('form-preview').innerHTML = result.body.html; // drawn by the server's own templates
      previewed = { key: key, schema: schema, title: result.body.title, fields: result.body.fields };
      $('form-use').disabled = false;
      $('form-dialog').dataset.previewed = key;
    });
  }

  function openFormEditor(key, schema, fixedKey) {
    $('form-key').value = key;
    $('form-key').readOnly = fixedKey;
    $('form-schema').value = JSON.stringify(schema, null, 2);
    $('form-preview').innerHTML = '';
    delete $('form-dialog').dataset.previewed;
    $('form-dialog').showModal();
    previewForm();
  }

  function useForm() {
    if (!previewed) { return; }
    var key = previewed.key;
    editedForms[key] = previewed.schema;
    config.formSchemas[key] = previewed.schema;
    config.formFields[key] = previewed.fields;
    config.forms = config.forms.filter(function (f) { return f.code !== key; })
      .concat([{ code: key, label: previewed.title }]);
    writeProps(current, { formKey: key });
    $('form-dialog').close();
    render();
  }

  function bindForms() {
    $('form-edit').addEventListener('click', function () {
      var key = readProps(current.businessObject).formKey;
      if (key && config.formSchemas[key]) { openFormEditor(key, config.formSchemas[key], true); }
    });
    $('form-new').addEventListener('click', function () {
      var base = (current.businessObject.id || 'modulo').toLowerCase().replace(/[^a-z0-9_]/g, '_');
      openFormEditor(base + '.json', {
        title: current.businessObject.name || T.newFormTitle,
        type: 'object',
        required: [],
        properties: { note: { type: 'string', title: T.newFieldTitle } }
      }, false);
    });
    ['form-schema', 'form-key'].forEach(function (id) {
      $(id).addEventListener('input', function () {
        window.clearTimeout(previewTimer);
        $('form-use').disabled = true;
        previewTimer = window.setTimeout(previewForm, 400);
      });
    });
    $('form-use').addEventListener('click', useForm);
    $('form-cancel').addEventListener('click', function () { $('form-dialog').close(); });
  }

  /* ---- "Prova": run the edited model on a sample case, everything rolled back ---------- */

  var trialIds = [];

  function clearTrial() {
    trialIds.forEach(function (id) {
      if (registry.get(id)) {
        canvas.removeMarker(id, 'percorsi-trial-done');
        canvas.removeMarker(id, 'percorsi-trial-active');
      }
    });
    trialIds = [];
  }

  function showTrial(body) {
    clearTrial();
    $('trial-summary').textContent = body.summary;
    if (!$('trial-data').value.trim()) { $('trial-data').value = JSON.stringify(body.start_data, null, 2); }
    [['done', 'percorsi-trial-done'], ['active', 'percorsi-trial-active']].forEach(function (pair) {
      body[pair[0]].forEach(function (id) {
        if (registry.get(id)) { canvas.addMarker(id, pair[1]); trialIds.push(id); }
      });
    });
    var list = $('trial-tasks');
    list.innerHTML = '';
    body.tasks.forEach(function (t) {
      var li = document.createElement('li');
      li.className = 'trial-task';
      li.dataset.elementId = t.element_id;
      li.textContent = t.text;
      list.appendChild(li);
    });
  }

  function runTrial() {
    var text = $('trial-data').value.trim();
    var data = null;
    if (text) {
      try { data = JSON.parse(text); } catch (err) {
        $('trial-summary').textContent = fmt(T.badJson, { detail: err.message });
        return Promise.resolve();
      }
    }
    clearErrors();
    $('trial-summary').textContent = T.trying;
    return modeler.saveXML({ format: true }).then(function (saved) {
      return fetch(config.tryUrl, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': csrf },
        body: JSON.stringify({
          xml: saved.xml, data: data, steps: parseInt($('trial-steps').value, 10) || 0, forms: editedForms
        })
      });
    }).then(function (res) {
      return res.json().then(function (body) { return { ok: res.ok, status: res.status, body: body }; });
    }).then(function (result) {
      if (result.ok) { showTrial(result.body); return; }
      $('trial-summary').textContent = '';
      handleFailure(result);
    });
  }

  /* ---- room to work: a collapsible panel, and popups kept within the viewport ---------- */

  $('panel-toggle').addEventListener('click', function () {
    var open = $('panel-toggle').getAttribute('aria-expanded') === 'true';
    $('panel-toggle').setAttribute('aria-expanded', String(!open));
    $('panel-toggle').textContent = open ? T.showPanel : T.hidePanel;
    document.querySelector('.modeler-workspace').classList.toggle('panel-collapsed', open);
    canvas.resized();
  });

  function keepInViewport(node) {
    var box = node.getBoundingClientRect();
    var top = parseFloat(node.style.top) || 0;
    var left = parseFloat(node.style.left) || 0;
    if (box.bottom > window.innerHeight - 8) {
      node.style.top = Math.max(top - (box.bottom - window.innerHeight + 8), top - box.top + 8) + 'px';
    }
    if (box.right > window.innerWidth - 8) {
      node.style.left = (left - (box.right - window.innerWidth + 8)) + 'px';
    }
    var inner = node.querySelector('.djs-popup-results');
    if (inner && node.getBoundingClientRect().height > window.innerHeight - 16) {
      inner.style.maxHeight = (window.innerHeight - 120) + 'px';
    }
  }

  eventBus.on('popupMenu.opened', function () {
    window.requestAnimationFrame(function () {
      Array.prototype.forEach.call(document.querySelectorAll('.djs-popup'), keepInViewport);
    });
  });

  $('try-button').addEventListener('click', function () {
    $('trial-panel').hidden = false;
    runTrial().then(function () { $('trial-panel').scrollIntoView({ block: 'nearest' }); });
  });
  $('trial-run').addEventListener('click', runTrial);
  $('validate-button').addEventListener('click', validate);
  $('deploy-button').addEventListener('click', function () { $('deploy-dialog').showModal(); });
  $('deploy-dialog').addEventListener('close', function () {
    if ($('deploy-dialog').returnValue === 'confirm') { deploy(); }
  });
  bindPanel();
  bindRouting();
  bindForms();

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
      var top = $('modeler-title').getBoundingClientRect().top + window.scrollY - 8;
      window.scrollTo({ top: top, behavior: 'instant' }); // the toolbar on top, the workspace under it
    }).catch(function (err) {
      message('danger', fmt(T.importError, { detail: err.message }));
    }).then(function () { document.body.dataset.modelerReady = 'true'; });
  }

  load();
}());
