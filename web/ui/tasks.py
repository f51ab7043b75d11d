"""The task page: the form rendered from its JSON Schema, drafts, completion, claim and assign."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from engine.commands.tasks import complete_task, remind_holder, save_draft
from engine.errors import (
    Conflict,
    Forbidden,
    FormDataInvalid,
    InvalidInput,
    NotFound,
    TaskNotReady,
)
from engine.reads.caseviews import element_names
from engine.reads.taskviews import task_detail
from engine.reads.trail import case_history

from ..auth import current_actor, engine
from .answers import answers
from .chrome import read_header, safe_next
from .forms import (
    build_fields,
    field_errors,
    focus_target,
    initial_values,
    parse_submission,
    row_change,
)
from .history import timeline_rows
from .nextsteps import NextSteps, after_completion
from .privacy import may_rectify_task
from .taskactions import TASK_ACTIONS, conflict_text, run_action
from .words import locale, prime_words

bp = Blueprint("task_pages", __name__)


def _page(
    task_id: int,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    conflict: str | None = None,
    status: int = 200,
    focus: str | None = None,
) -> Any:
    actor = current_actor()
    with engine().uow() as uow:  # reads of restricted cases are audited, hence a write uow
        task = task_detail(uow, actor, task_id)
        events = case_history(uow, actor, task["case"])
        names = element_names(uow, actor, task["case"])
        rectifiable = may_rectify_task(uow, actor, task)
        read_header(uow, actor)
        prime_words(uow, {actor.username, task["assignee"], task["substitute_for"]})
    schema = task["form"] or {"type": "object", "properties": {}}
    if values is None:
        values = task["data"] if task["status"] == "completed" else task["draft"]
        values = values if values is not None else initial_values(schema)
    fields = build_fields(schema, values or {}, errors or {}, locale())
    mine = task["assignee"] in (None, actor.username)
    page = render_template(
        "tasks/detail.html",
        task=task,
        fields=fields,
        form_error=(errors or {}).get(""),
        error_count=len(errors or {}),
        history=[
            {**a, "answers": answers(a["form"], a["data"], locale())} for a in task["history"]
        ],
        referral=answers(task["referral"]["form"], task["referral"]["data"], locale()),
        events=timeline_rows(events, names),
        conflict=conflict,
        mine=mine,
        form_readonly=not (task["status"] == "open" and task["may_act"] and mine),
        form_focus=focus_target(fields, focus),
        rectifiable=rectifiable,
    )
    return page, status


@bp.get("/tasks/<int:task_id>")
def detail(task_id: int) -> Any:
    """The task with its form, the case's history and earlier answers."""
    return _page(task_id)


@bp.post("/tasks/<int:task_id>")
def submit(task_id: int) -> Any:
    """Save a draft, complete the task, or add/remove a row (without JavaScript); a refused
    form comes back with its typed values."""
    actor = current_actor()
    with engine().uow(write=False) as uow:
        schema = task_detail(uow, actor, task_id)["form"] or {"type": "object"}
    changed = row_change(schema, request.form)
    if changed is not None:
        return _page(task_id, changed[0], focus=changed[1])
    values = parse_submission(schema, request.form)
    steps: NextSteps | None = None
    try:
        with engine().uow() as uow:
            if request.form.get("action") == "draft":
                save_draft(uow, task_id, values, actor)
            else:
                steps = after_completion(uow, complete_task(uow, task_id, values, actor))
    except FormDataInvalid as exc:
        return _page(task_id, values, field_errors(schema, exc.problems), status=422)
    except Conflict as exc:
        return _page(task_id, values, conflict=conflict_text(exc), status=409)
    if steps is None:
        flash(_("Bozza salvata. Potrà completare l'attività più tardi."), "success")
        return redirect(url_for("task_pages.detail", task_id=task_id))
    flash(steps.message(), "success")  # type: ignore[arg-type]  # a dict: text and link
    return redirect(url_for("worklist.index"))


@bp.post("/tasks/<int:task_id>/<any(claim, unclaim, assign):action>")
def act(task_id: int, action: str) -> Response:
    """Claim, give back or reassign one task, then go back where the user was."""
    actor = current_actor()
    try:
        run_action(action, task_id, actor, request.form.get("assignee", "").strip())
        flash(TASK_ACTIONS[action](1), "success")
    except (Conflict, InvalidInput, NotFound, Forbidden) as exc:
        flash(conflict_text(exc), "warning")
    return redirect(
        safe_next(request.form.get("next"), url_for("task_pages.detail", task_id=task_id))
    )


@bp.post("/tasks/<int:task_id>/remind")
def remind(task_id: int) -> Response:
    """From a review: remind whoever holds the stuck task that it waits for them."""
    actor = current_actor()
    try:
        with engine().uow() as uow:
            stuck = remind_holder(uow, task_id, actor)
            name = stuck.name
        flash(_("Sollecito inviato a chi detiene «%(name)s».", name=name), "success")
    except TaskNotReady:
        flash(_("L'attività ferma non è più aperta: non serve un sollecito."), "info")
    except (Conflict, NotFound, Forbidden) as exc:
        flash(conflict_text(exc), "warning")
    return redirect(url_for("task_pages.detail", task_id=task_id))
