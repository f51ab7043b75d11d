"""The case page: header, diagram with the case's position, audit timeline, tasks, incidents."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from engine.commands.accounts import organization_names
from engine.commands.cases import retry_incident
from engine.errors import Conflict, Forbidden, NotFound, WorkflowFailed
from engine.reads.caseviews import case_detail, case_diagram, element_names, ownership_choices
from engine.reads.trail import case_history
from workflows.comuni import COMUNI

from ..auth import current_actor, engine
from .caselist import pathway_titles
from .chrome import read_header
from .history import timeline_rows
from .ownership_form import OwnershipForm
from .words import prime_words

bp = Blueprint("case_pages", __name__)


@bp.get("/cases/<reference>")
def detail(reference: str) -> Any:
    """One case as its operators and coordinators see it (foreign cases are not found)."""
    return render_case(reference)


def render_case(reference: str, form: OwnershipForm | None = None, status: int = 200) -> Any:
    """The case page; `form` holds what was typed into an ownership form, and its errors."""
    actor = current_actor()
    with engine().uow() as uow:  # reading a restricted case is audited
        case = case_detail(uow, actor, reference)
        history = case_history(uow, actor, reference)
        names = element_names(uow, actor, reference)
        choices = ownership_choices(uow, actor, reference)
        orgs = organization_names(uow)
        read_header(uow, actor)
        named = {t[k] for t in case.get("open_tasks", []) for k in ("assignee", "substitute_for")}
        prime_words(uow, {actor.username, *named})
    may_retry = actor.is_admin or actor.has_role("coordinator")
    return render_template(
        "cases/detail.html",
        case=case,
        events=timeline_rows(history, names),
        names=names,
        may_retry=may_retry,
        pathways=pathway_titles(),
        choices=choices,
        orgs=orgs,
        form=form or OwnershipForm(),
        comuni=[c.name for c in COMUNI],
    ), status


@bp.get("/cases/<reference>/diagram.xml")
def diagram(reference: str) -> Response:
    """The BPMN XML of the case's version, scoped like the case."""
    actor = current_actor()
    with engine().uow() as uow:  # reading a restricted case's diagram is audited
        xml = case_diagram(uow, actor, reference)
    return Response(xml, mimetype="application/xml")


@bp.post("/cases/<reference>/incidents/<int:incident_id>/retry")
def retry(reference: str, incident_id: int) -> Any:
    """Run a failed element again (coordinators)."""
    actor = current_actor()
    try:
        with engine().uow() as uow:
            case_detail(uow, actor, reference)  # the case must be visible to the actor
        with engine().uow() as uow:
            outcome = retry_incident(uow, incident_id, actor)
        failed = outcome.incident is not None and outcome.incident.id == incident_id
        flash(
            _("Il nuovo tentativo non è riuscito: l'anomalia resta aperta.")
            if failed
            else _("Nuovo tentativo riuscito: il caso è ripartito."),
            "warning" if failed else "success",
        )
    except (Conflict, NotFound, WorkflowFailed) as exc:
        flash(_("Impossibile ripetere l'operazione: %(why)s", why=exc.detail), "warning")
    except Forbidden:
        flash(_("Solo i coordinatori possono ripetere un'operazione non riuscita."), "warning")
    return redirect(url_for("case_pages.detail", reference=reference))
