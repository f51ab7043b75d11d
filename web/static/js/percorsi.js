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

  // A field naming one of too many people to list (the reassign field of a large organisation,
  // whom to name on a case): those matching what is typed are proposed as the operator types.
  // data-people-url may carry a query of its own (the case page's role): q is added to it.
  document.querySelectorAll("input[data-people-url]").forEach(function (field) {
    var list = document.getElementById(field.getAttribute("list"));
    var timer = null;
    var asked = "";
    var propose = function () {
      var words = field.value.trim();
      if (words.length < 2 || words === asked) { return; }
      asked = words;
      var url = new URL(field.dataset.peopleUrl, window.location.href);
      url.searchParams.set("q", words);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (people) {
          if (words !== asked) { return; }
          list.replaceChildren.apply(list, people.map(function (person) {
            var option = document.createElement("option");
            option.value = person.username;
            option.textContent = person.name;
            return option;
          }));
        })
        .catch(function () { /* the field still takes a username typed in full */ });
    };
    field.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(propose, 200);
    });
  });

  // Lists of objects (repeatable rows): add and remove rows in place. Without JavaScript the
  // same buttons post the form and the server draws it again with the row added or removed.
  var FIELD = "input:not([type=hidden]), select, textarea";
  document.querySelectorAll("[data-repeat]").forEach(function (list) {
    var rows = list.querySelector("[data-rows]");
    var template = list.querySelector("template[data-row-template]");
    var add = list.querySelector("[data-add-row]");
    var status = list.querySelector("[data-row-status]");
    if (!rows || !template || !add) { return; }
    var prefix = list.dataset.repeat + ".";
    var next = 0;
    rows.querySelectorAll("input[type=hidden][name$='.__row']").forEach(function (marker) {
      var index = parseInt(marker.name.slice(prefix.length), 10);
      if (!isNaN(index) && index >= next) { next = index + 1; }
    });
    var current = function () { return rows.querySelectorAll(":scope > [data-row]"); };
    var say = function (text) { if (status && text) { status.textContent = text; } };
    var renumber = function () {
      var all = current();
      all.forEach(function (row, i) {
        row.querySelectorAll("[data-row-number]").forEach(function (n) { n.textContent = String(i + 1); });
      });
      var max = parseInt(list.dataset.maxRows || "0", 10);
      add.hidden = max > 0 && all.length >= max;
    };
    var bind = function (row) {
      var remove = row.querySelector("[data-remove-row]");
      if (!remove) { return; }
      remove.addEventListener("click", function (event) {
        event.preventDefault();
        var following = row.nextElementSibling || row.previousElementSibling;
        row.remove();
        renumber();
        var target = following ? following.querySelector(FIELD) : null;
        (target || add).focus();
        say(list.dataset.removedText);
      });
    };
    add.addEventListener("click", function (event) {
      event.preventDefault();
      var holder = document.createElement("div");
      holder.innerHTML = template.innerHTML.split("__i__").join(String(next)).trim();
      next += 1;
      var row = holder.firstElementChild;
      rows.appendChild(row);
      bind(row);
      renumber();
      var first = row.querySelector(FIELD);
      if (first) { first.focus(); }
      say(list.dataset.addedText);
    });
    current().forEach(bind);
    renumber();
  });

  // Move focus to the error summary of a refused form, so screen readers announce it.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
