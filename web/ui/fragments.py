"""Markup that every task row repeats: its due date and badges, the roles it is offered to, whom
its assignee stands in for; and the rows of the worklist and of the case list themselves.

Built in Python, not in Jinja macros: a worklist page says each of them 25 times, and a macro
call costs more than the markup it writes. Templates call them as globals (and print the rows
with `{{ rows }}`: a change to a row's markup is made here); the text is translated through
the request's catalogue, and every value is escaped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from flask import Flask, url_for
from markupsafe import Markup, escape

from ..i18n import translations
from .chrome import local_time
from .labels import group_label, role_label, status_label
from .words import org_label, pathway_label, person_label, task_roles, task_title

PLACEHOLDER = 9_999_999_999  # an id no route holds, replaced by each row's own


def _fill(template: str, values: dict[str, Any] | tuple[Any, ...]) -> Markup:
    """`template % values` as markup, each value escaped unless it is markup or a number: what
    `Markup(template) % values` gives, without the wrapper object Markup makes for each value
    (a worklist page fills a few hundred)."""
    if isinstance(values, dict):
        return Markup(template % {k: _escaped(v) for k, v in values.items()})
    return Markup(template % tuple(_escaped(v) for v in values))


def _escaped(value: Any) -> Any:
    if isinstance(value, Markup | int | float):  # escape() would copy markup
        return value
    return escape(value)


def _(message: str, **values: Any) -> Markup:
    """A UI text in the request's language, its values escaped into it."""
    return _fill(translations().ugettext(message), values)  # as Jinja's gettext: always %


def ngettext(singular: str, plural: str, num: int, **values: Any) -> Markup:
    return _fill(translations().ungettext(singular, plural, num), {"num": num, **values})


def due_date(task: dict[str, Any]) -> Markup:
    """When the task falls due, in the user's language; "nessuna" without a due date."""
    due = task.get("due_at")
    if not due:
        return _fill('<span class="text-muted">%s</span>', (_("nessuna"),))
    return _fill('<time datetime="%s">%s</time>', (due.isoformat(), local_time(due)))


def due_badges(task: dict[str, Any]) -> Markup:
    """Overdue, reminded (how many times, and why), restricted."""
    parts = [Markup(""), Markup(""), Markup("")]
    if task.get("overdue"):
        parts[0] = _fill('<span class="badge bg-danger">%s</span>', (_("Scaduta"),))
    level = task.get("escalation_level") or 0
    if level > 0:
        why = ngettext(
            "La scadenza è passata: è partito %(num)d sollecito automatico.",
            "La scadenza è passata: sono partiti %(num)d solleciti automatici.",
            level,
        )
        said = _("Sollecitata") if level == 1 else _("Sollecitata %(n)s volte", n=level)
        parts[1] = _fill(
            '<span class="badge bg-warning text-dark" title="%s">%s'
            '<span class="visually-hidden">: %s</span></span>',
            (why, said, why),
        )
    if task.get("restricted"):
        parts[2] = _fill('<span class="badge bg-secondary">%s</span>', (_("Riservato"),))
    return Markup("\n").join(parts)


def substitution(task: dict[str, Any]) -> Markup:
    """Whom the assignee holds the task for while they are away."""
    if not task.get("substitute_for"):
        return Markup("")
    said = _("in sostituzione di %(name)s", name=person_label(task["substitute_for"]))
    return _fill('<span class="d-block small text-secondary substitution">%s</span>', (said,))


def roles_text(groups: Any, organization: str | None = None) -> Markup:
    """The roles a task is offered to, in words."""
    return Markup(", ").join(escape(role_label(g)) for g in task_roles(groups, organization))


def url_maker(endpoint: str, key: str, **values: Any) -> Callable[[Any], str]:
    """url_for(endpoint, key=value, **values) for many values: built once, then filled in."""
    built = url_for(endpoint, **{key: PLACEHOLDER, **values})
    head, _sep, tail = built.partition(str(PLACEHOLDER))
    return lambda value: head + str(value) + tail


def worklist_rows(tasks: Iterable[dict[str, Any]], viewer: str) -> Markup:
    """The worklist table's rows: a task's name, roles and organisation, its case, target group,
    due date and badges, its assignee, and the button to claim or give it back."""
    task_url = url_maker("task_pages.detail", "task_id")
    case_url = url_maker("case_pages.detail", "reference")
    claim_url = url_maker("task_pages.act", "task_id", action="claim")
    unclaim_url = url_maker("task_pages.act", "task_id", action="unclaim")
    words = {
        "case_word": _("Caso"),
        "group_word": _("Gruppo target"),
        "due_word": _("Scadenza"),
        "assignee_word": _("Assegnata a"),
    }
    nobody, claim, give_back = _("nessuno"), _("Prendi in carico"), _("Restituisci")
    rows = []
    for t in tasks:
        title, case, tid = task_title(t), t["case"], t["id"]
        where = roles_text(t["candidate_groups"], t["organization"])
        if t["organization"]:
            where += Markup(" · ") + org_label(t["organization"])
        if t["assignee"]:
            assignee = escape(person_label(t["assignee"])) + substitution(t)
        else:
            assignee = _fill('<span class="text-secondary">%s</span>', (nobody,))
        if not t["assignee"]:
            label = _("Prendi in carico %(name)s del caso %(case)s", name=title, case=case)
            button = _fill(_BUTTON, ("btn-outline-primary", claim_url(tid), label, claim))
        elif t["assignee"] == viewer:
            label = _("Restituisci %(name)s del caso %(case)s", name=title, case=case)
            button = _fill(_BUTTON, ("btn-outline-secondary", unclaim_url(tid), label, give_back))
        else:
            button = Markup("")
        rows.append(
            _fill(
                _ROW,
                {
                    **words,
                    "overdue": "table-danger-soft" if t["overdue"] else "",
                    "id": tid,
                    "select": _("Seleziona %(name)s del caso %(case)s", name=title, case=case),
                    "task_url": task_url(tid),
                    "title": title,
                    "where": where,
                    "case_url": case_url(case),
                    "case": case,
                    "subject": t["case_subject"],
                    "group": group_label(t["target_group"]),
                    "due": due_date(t),
                    "badges": due_badges(t),
                    "assignee": assignee,
                    "button": button,
                },
            )
        )
    return Markup("").join(rows)


_BUTTON = '<button type="submit" class="btn %s btn-xs" formaction="%s" aria-label="%s">%s</button>'
_ROW = """
      <tr class="%(overdue)s" data-task-id="%(id)s">
        <td class="cell-select"><input type="checkbox" class="task-select" name="task" \
value="%(id)s" id="select-%(id)s"><label for="select-%(id)s" class="visually-hidden">%(select)s\
</label></td>
        <td class="cell-task"><a class="fw-semibold" href="%(task_url)s">%(title)s</a>
          <div class="small text-secondary">%(where)s</div></td>
        <td class="cell-case" data-label="%(case_word)s"><a href="%(case_url)s">%(case)s</a>\
<div class="small text-secondary">%(subject)s</div></td>
        <td class="cell-group" data-label="%(group_word)s">%(group)s</td>
        <td class="cell-due" data-label="%(due_word)s">%(due)s<div>%(badges)s</div></td>
        <td class="cell-assignee" data-label="%(assignee_word)s">%(assignee)s</td>
        <td class="cell-actions text-end text-nowrap">%(button)s</td>
      </tr>"""


def case_rows(cases: Iterable[dict[str, Any]], now: datetime) -> Markup:
    """The case list's rows: the case and its pathway, the person (a restricted case's name
    only to who may see it), target group, status, open tasks, next due date, opening date."""
    case_url = url_maker("case_pages.detail", "reference")
    words = {
        "person_word": _("Persona"),
        "group_word": _("Gruppo target"),
        "status_word": _("Stato"),
        "open_word": _("Attività aperte"),
        "next_word": _("Prossima scadenza"),
        "opened_word": _("Aperto il"),
    }
    restricted, late_badge = _("Riservato"), _("Scaduta")
    nothing_due = _fill('<span class="text-secondary">%s</span>', (_("nessuna"),))
    rows = []
    for c in cases:
        due = c["next_due_at"]
        late = bool(due and due < now)
        if c["name"]:
            person = _fill(
                '%s<div class="small text-secondary">%s</div>\n        ', (c["name"], c["subject"])
            )
        else:
            person = _fill('<span class="pseudonym">%s</span>', (c["subject"],))
        if c["restricted"]:
            person += _fill(' <span class="badge bg-secondary">%s</span>', (restricted,))
        if due:
            next_due = _fill('<time datetime="%s">%s</time>', (due.isoformat(), local_time(due)))
            if late:
                next_due += _fill(' <span class="badge bg-danger">%s</span>', (late_badge,))
        else:
            next_due = nothing_due
        rows.append(
            _fill(
                _CASE_ROW,
                {
                    **words,
                    "late": "table-danger-soft" if late else "",
                    "reference": c["reference"],
                    "case_url": case_url(c["reference"]),
                    "pathway": pathway_label(c["process_id"]),
                    "person": person,
                    "group": group_label(c["target_group"]),
                    "status": c["status"],
                    "status_label": status_label(c["status"]),
                    "count": c["open_task_count"],
                    "next_due": next_due,
                    "opened": local_time(c["opened_at"], "short"),
                },
            )
        )
    return Markup("").join(rows)


_CASE_ROW = """
    <tr class="%(late)s" data-case="%(reference)s">
      <td class="cell-task"><a class="fw-semibold" href="%(case_url)s">%(reference)s</a>
        <div class="small text-secondary">%(pathway)s</div></td>
      <td data-label="%(person_word)s">%(person)s</td>
      <td data-label="%(group_word)s">%(group)s</td>
      <td data-label="%(status_word)s"><span class="badge case-status case-status-%(status)s">\
%(status_label)s</span></td>
      <td class="text-center cell-count" data-label="%(open_word)s">%(count)s</td>
      <td class="cell-due" data-label="%(next_word)s">%(next_due)s</td>
      <td data-label="%(opened_word)s">%(opened)s</td>
    </tr>"""


def init_fragments(app: Flask) -> None:
    app.jinja_env.globals.update(
        due_date=due_date,
        due_badges=due_badges,
        substitution=substitution,
        roles_text=roles_text,
    )
