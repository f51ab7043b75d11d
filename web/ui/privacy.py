"""The person's rights in the UI: the subject export (coordinators, the DPO, CAV operators) and
the rettifica of a completed task's answers (case managers)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from engine import Actor
from engine.commands.rectification import rectify_answer
from engine.errors import Conflict, FormDataInvalid, InvalidInput
from engine.reads.queries import find_case
from engine.reads.subjects import require_exporter, subject_record
from engine.reads.taskviews import task_detail
from engine.rules.rectification import may_rectify
from engine.store.uow import UnitOfWork

from ..auth import current_actor, engine
from ..subjects import render_export
from .forms import build_fields, field_errors, parse_submission

bp = Blueprint("privacy_pages", __name__)


@bp.get("/subjects")
def subjects() -> Any:
    """The form asking for the tax code of the person who exercises the right of access."""
    require_exporter(current_actor())
    return render_template("subjects/request.html", tax_code="", error=None)


@bp.post("/subjects/export")
def export() -> Any:
    """Everything held about the person, as one page to print or save (the export is audited)."""
    actor = current_actor()
    typed = request.form.get("tax_code", "")
    try:
        with engine().uow() as uow:
            record = subject_record(uow, actor, typed, "html")
    except InvalidInput:
        message = _("Codice fiscale non valido: servono 16 lettere e cifre (o 11 cifre).")
        return render_template("subjects/request.html", tax_code=typed, error=message), 422
    response = Response(render_export(record), mimetype="text/html")
    name = f"estratto-dati-personali-{record.produced_at:%Y%m%d-%H%M}.html"
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    return response


def _rectify_page(
    task_id: int, values: dict[str, Any] | None, errors: dict[str, str], reason: str, status: int
) -> Any:
    actor = current_actor()
    with engine().uow() as uow:  # reading a restricted case's task is audited
        task = task_detail(uow, actor, task_id)
        allowed = may_rectify_task(uow, actor, task)
    if not allowed:
        flash(_("Le risposte di questa attività non possono essere rettificate da lei."), "warning")
        return redirect(url_for("task_pages.detail", task_id=task_id))
    fields = build_fields(task["form"], values or task["data"] or {}, errors, _locale())
    return render_template(
        "tasks/rectify.html", task=task, fields=fields, reason=reason, errors=errors
    ), status


def may_rectify_task(uow: UnitOfWork, actor: Actor, task: dict[str, Any]) -> bool:
    """True when the task page should offer the rettifica of its answers to this actor."""
    if task["status"] != "completed" or not task["form"] or task["kind"] != "bpmn":
        return False
    return may_rectify(uow, actor, find_case(uow, task["case"]))


def _locale() -> str:
    return str(get_locale() or "it")


@bp.get("/tasks/<int:task_id>/rectify")
def rectify(task_id: int) -> Any:
    """The completed task's form, filled with its answers, to correct them with a reason."""
    return _rectify_page(task_id, None, {}, "", 200)


@bp.post("/tasks/<int:task_id>/rectify")
def rectify_submit(task_id: int) -> Any:
    """Record the rettifica: only the fields that changed, with the reason."""
    actor = current_actor()
    with engine().uow() as uow:
        detail = task_detail(uow, actor, task_id)
    schema = detail["form"] or {"type": "object"}
    values = parse_submission(schema, request.form)
    before = detail["data"] or {}
    changed = {k: v for k, v in values.items() if before.get(k) != v}
    reason = request.form.get("reason", "")
    try:
        with engine().uow() as uow:
            rectify_answer(uow, task_id, changed, reason, actor)
    except FormDataInvalid as exc:
        return _rectify_page(task_id, values, field_errors(schema, exc.problems), reason, 422)
    except InvalidInput as exc:
        return _rectify_page(task_id, values, _input_errors(exc), reason, 422)
    except Conflict as exc:
        flash(_("Impossibile rettificare: %(why)s", why=exc.detail), "warning")
        return redirect(url_for("task_pages.detail", task_id=task_id))
    flash(_("Risposte rettificate. L'originale resta nello storico del caso."), "success")
    return redirect(url_for("task_pages.detail", task_id=task_id))


def _input_errors(exc: InvalidInput) -> dict[str, str]:
    fields = {str(p.get("field")) for p in exc.problems}
    if "reason" in fields:
        return {"reason": _("Indicare il motivo della rettifica (al massimo 500 caratteri).")}
    return {"": _("Nessuna risposta è cambiata: modifichi almeno un campo.")}
