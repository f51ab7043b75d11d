"""The task page: the form rendered from its JSON Schema, drafts, completion, claim and assign."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from engine.commands.tasks import complete_task, save_draft
from engine.errors import Conflict, Forbidden, FormDataInvalid, InvalidInput, NotFound
from engine.reads.caseviews import case_events, element_names
from engine.reads.taskviews import task_detail

from ..auth import current_actor, engine
from .chrome import safe_next
from .forms import build_fields, field_errors, parse_submission
from .privacy import may_rectify_task
from .taskactions import TASK_ACTIONS, conflict_text, run_action

bp = Blueprint("task_pages", __name__)


def _page(
    task_id: int,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    conflict: str | None = None,
    status: int = 200,
) -> Any:
    actor = current_actor()
    with engine().uow() as uow:  # reads of restricted cases are audited, hence a write uow
        task = task_detail(uow, actor, task_id)
        events = case_events(uow, actor, task["case"])
        names = element_names(uow, actor, task["case"])
        rectifiable = may_rectify_task(uow, actor, task)
    schema = task["form"] or {"type": "object", "properties": {}}
    if values is None:
        values = task["data"] if task["status"] == "completed" else task["draft"]
    fields = build_fields(schema, values or {}, errors or {}, _locale())
    page = render_template(
        "tasks/detail.html",
        task=task,
        fields=fields,
        form_error=(errors or {}).get(""),
        error_count=len(errors or {}),
        events=events,
        names=names,
        conflict=conflict,
        mine=task["assignee"] in (None, actor.username),
        rectifiable=rectifiable,
    )
    return page, status


def _locale() -> str:
    return str(get_locale() or "it")


@bp.get("/tasks/<int:task_id>")
def detail(task_id: int) -> Any:
    """The task with its form, the case's history and earlier answers."""
    return _page(task_id)


@bp.post("/tasks/<int:task_id>")
def submit(task_id: int) -> Any:
    """Save a draft, or complete the task; a refused form comes back with its typed values."""
    actor = current_actor()
    with engine().uow(write=False) as uow:
        schema = task_detail(uow, actor, task_id)["form"] or {"type": "object"}
    values = parse_submission(schema, request.form)
    try:
        with engine().uow() as uow:
            if request.form.get("action") == "draft":
                save_draft(uow, task_id, values, actor)
            else:
                complete_task(uow, task_id, values, actor)
    except FormDataInvalid as exc:
        return _page(task_id, values, field_errors(schema, exc.problems), status=422)
    except Conflict as exc:
        return _page(task_id, values, conflict=conflict_text(exc), status=409)
    if request.form.get("action") == "draft":
        flash(_("Bozza salvata. Potrà completare l'attività più tardi."), "success")
        return redirect(url_for("task_pages.detail", task_id=task_id))
    flash(_("Attività completata."), "success")
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
