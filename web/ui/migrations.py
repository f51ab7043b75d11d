"""The coordinator's page of a model (/models/<id>): moving running cases to another version.

The coordinator chooses the cases (all, or filtered), maps what the target lacks, and starts a
dry run; its page shows progress while its batches run, then what would happen; confirming
starts the real run over the cases found movable. Batches are advanced by the page (each poll
does one) and by the scheduler, whichever comes first: nothing depends on one web worker.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from engine.commands.migration_runs import (
    CaseSelection,
    advance_run,
    cancel_run,
    confirm_run,
    start_run,
)
from engine.errors import InvalidInput
from engine.reads.migrationviews import migration_choices, model_title, run_view
from engine.rules.migration_plans import KEEP, MigrationPlan

from ..auth import current_actor, engine
from .guards import install_error_pages
from .labels import ELEMENT_TYPES, label
from .migration_text import OUTCOMES, field_errors, problem_text, state_text
from .models import number_arg

bp = Blueprint("migration_pages", __name__)
install_error_pages(bp)


@bp.get("/models/<process_id>")
def detail(process_id: str) -> Any:
    """The model's versions and the form to move its running cases."""
    return _page(process_id, number_arg("to"), number_arg("from"), {}, {})


def _page(
    process_id: str, to: int | None, source: int | None, values: Any, errors: dict[str, str]
) -> Any:
    actor = current_actor()
    with engine().uow(write=False) as uow:
        choices = migration_choices(uow, actor, process_id, to, source)
    page = render_template(
        "models/detail.html",
        choices=choices,
        values=values,
        errors=errors,
        types=ELEMENT_TYPES,
        label=label,
        outcomes=OUTCOMES,
    )
    return (page, 422) if errors else page


@bp.post("/models/<process_id>/migrations")
def start(process_id: str) -> Any:
    """Start a dry run of the plan on the chosen cases."""
    actor = current_actor()
    form = request.form
    to, source = _number(form.get("to")), _number(form.get("from"))
    errors: dict[str, str] = {}
    defaults = _defaults(form.get("defaults", ""), errors)
    if to is None:
        errors["to"] = _("Scegli la versione di destinazione.")
    if errors:
        return _page(process_id, to, source, form, errors)
    assert to is not None
    plan = MigrationPlan(
        process_id,
        to,
        source,
        mapping=_mapping(form),
        defaults=defaults,
        timers=form.get("timers", KEEP),
    )
    selection = CaseSelection(
        target_group=form.get("target_group") or None,
        waiting_at=form.get("waiting_at") or None,
        references=tuple(form.get("references", "").replace(",", " ").split()),
    )
    try:
        with engine().uow() as uow:
            run = start_run(uow, actor, plan, dry_run=True, selection=selection)
    except InvalidInput as exc:
        return _page(process_id, to, source, form, field_errors(exc))
    return redirect(url_for(".run", process_id=process_id, run_id=run.id))


def _number(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and 0 < int(text) < 2**31 else None


def _mapping(form: Any) -> dict[str, str | None]:
    """`map.<element>` fields: an element of the target, "-" to cancel, empty for none."""
    found: dict[str, str | None] = {}
    for key, value in form.items():
        if key.startswith("map.") and value:
            found[key.removeprefix("map.")] = None if value == "-" else value
    return found


def _defaults(text: str, errors: dict[str, str]) -> dict[str, Any]:
    """Lines `name = value` (a JSON value, or else text)."""
    found: dict[str, Any] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, sep, value = line.partition("=")
        if not sep or not name.strip():
            errors["defaults"] = _("Riga %(n)s: scrivi nome = valore.", n=number)
            continue
        try:
            found[name.strip()] = json.loads(value.strip())
        except json.JSONDecodeError:
            found[name.strip()] = value.strip()
    return found


@bp.get("/models/<process_id>/migrations/<int:run_id>")
def run(process_id: str, run_id: int) -> str:
    """A run's plan and progress; when done, what happened to each case."""
    actor = current_actor()
    with engine().uow(write=False) as uow:
        view = run_view(uow, actor, process_id, run_id)
        choices = model_title(uow, actor, process_id)
    return render_template(
        "models/migration.html",
        run=view,
        choices=choices,
        outcomes=OUTCOMES,
        problem_text=problem_text,
        state_text=state_text,
    )


@bp.get("/models/<process_id>/migrations/<int:run_id>/progress")
def progress(process_id: str, run_id: int) -> Response:
    """How far the run has gone (the page polls this)."""
    return jsonify(_progress(process_id, run_id))


@bp.post("/models/<process_id>/migrations/<int:run_id>/advance")
def advance(process_id: str, run_id: int) -> BaseResponse:
    """Work one batch of the run (unless someone else is), then say how far it has gone."""
    _progress(process_id, run_id)  # a coordinator, and the run exists
    advance_run(engine(), run_id)
    if request.accept_mimetypes.best == "application/json":
        return jsonify(_progress(process_id, run_id))
    return redirect(url_for(".run", process_id=process_id, run_id=run_id))


def _progress(process_id: str, run_id: int) -> dict[str, Any]:
    actor = current_actor()
    with engine().uow(write=False) as uow:
        view = run_view(uow, actor, process_id, run_id)
    keys = ("status", "total", "processed", "counts", "done")
    return {key: view[key] for key in keys}


@bp.post("/models/<process_id>/migrations/<int:run_id>/confirm")
def confirm(process_id: str, run_id: int) -> BaseResponse:
    """Move the cases the dry run found movable."""
    actor = current_actor()
    with engine().uow() as uow:
        moving = confirm_run(uow, actor, process_id, run_id)
    return redirect(url_for(".run", process_id=process_id, run_id=moving.id))


@bp.post("/models/<process_id>/migrations/<int:run_id>/cancel")
def cancel(process_id: str, run_id: int) -> BaseResponse:
    """Stop a run; the cases already moved stay moved."""
    actor = current_actor()
    with engine().uow() as uow:
        cancel_run(uow, actor, process_id, run_id)
    return redirect(url_for(".run", process_id=process_id, run_id=run_id))
