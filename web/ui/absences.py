"""Assenze e sostituzioni (/absences, from the user menu): one's own absence, and a
coordinator's for the people of her organisations; who stands in, and until when."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from engine.commands.absences import AbsenceRequest, end_absence, set_absence
from engine.errors import Forbidden, InvalidInput
from engine.reads.absences import (
    list_absences,
    manageable_people,
    substitute_choices,
    user_absence,
)

from ..auth import current_actor, engine
from .labels import ROLES
from .words import org_label, person_label

bp = Blueprint("absence_pages", __name__)


@bp.get("/absences")
def index() -> Any:
    """The chosen person's absence (oneself by default), the form, and the current absences."""
    return _page(request.args.get("for") or current_actor().username, {}, {})


def _page(username: str, values: Any, errors: dict[str, str]) -> Any:
    actor = current_actor()
    with engine().uow(write=False) as uow:
        people = manageable_people(uow, actor)
        if username not in {p["username"] for p in people}:
            raise Forbidden(f"{actor.username} may not manage the absences of {username}")
        current = user_absence(uow, actor, username)
        if current is not None and not values:  # the form changes the current absence
            values = {k: str(current[k]) for k in ("from", "to", "substitute", "note")}
        page = render_template(
            "absences/index.html",
            person=username,
            people=people,
            current=current,
            choices=substitute_choices(uow, actor, username),
            absences=list_absences(uow, actor),
            values=values,
            errors=errors,
        )
    return (page, 422) if errors else page


@bp.post("/absences")
def record() -> Any:
    """Record the chosen person's absence; errors come back beside their fields."""
    actor = current_actor()
    form = request.form
    username = form.get("user") or actor.username
    errors: dict[str, str] = {}
    starts_on, ends_on = _day(form, "from", errors), _day(form, "to", errors)
    if not form.get("substitute"):
        errors["substitute"] = _("Scegli chi la sostituisce.")
    if errors or starts_on is None or ends_on is None:
        return _page(username, form, errors)
    request_ = AbsenceRequest(starts_on, ends_on, form["substitute"], form.get("note", ""))
    try:
        with engine().uow() as uow:
            absence = set_absence(uow, actor, username, request_)
            started = absence.status == "active"
    except InvalidInput as exc:
        return _page(username, form, absence_errors(exc))
    flash(
        _("Assenza registrata: le attività assegnate sono passate al sostituto.")
        if started
        else _("Assenza registrata: le attività passeranno al sostituto il primo giorno."),
        "success",
    )
    chosen = "" if username == actor.username else f"?for={quote(username)}"
    return redirect(url_for(".index") + chosen)


def _day(form: Any, name: str, errors: dict[str, str]) -> date | None:
    try:
        return date.fromisoformat(form.get(name, ""))
    except ValueError:
        errors[name] = _("Indica una data (giorno, mese, anno).")
        return None


@bp.post("/absences/<username>/end")
def end(username: str) -> Response:
    """End a running absence now (its tasks go back), or cancel a planned one."""
    actor = current_actor()
    with engine().uow() as uow:
        absence = end_absence(uow, actor, username)
        ended = absence.status == "ended"
    flash(
        _(
            "Assenza terminata: le attività non completate sono tornate a %(name)s.",
            name=person_label(username),
        )
        if ended
        else _("Assenza annullata."),
        "success",
    )
    target = request.form.get("next") or url_for(".index")
    return redirect(target if target.startswith("/") and not target.startswith("//") else "/")


def absence_errors(error: InvalidInput) -> dict[str, str]:
    """The engine's refusal, in words beside the fields it concerns."""
    found: dict[str, str] = {}
    for problem in error.problems:
        code, params = problem.get("code"), problem.get("params") or {}
        field = str(problem.get("field") or "form")
        found[field] = _message(str(code), params) or str(problem.get("message", error.detail))
    return found


def _message(code: str, p: dict[str, Any]) -> str | None:
    if code == "missing_roles":
        roles = "; ".join(
            " o ".join(str(ROLES.get(g, g)) for g in r["groups"])
            + (f" ({org_label(r['organization'])})" if r.get("organization") else "")
            for r in p.get("roles", [])
        )
        return str(
            _(
                "%(who)s non ha i ruoli delle attività aperte di %(absent)s: manca %(roles)s.",
                who=person_label(p.get("substitute")),
                absent=person_label(p.get("absent")),
                roles=roles,
            )
        )
    texts = {
        "same_person": _("Il sostituto deve essere un'altra persona."),
        "other_organization": _("Il sostituto deve essere della stessa organizzazione."),
        "away": _("Il sostituto è assente anche in quei giorni: scegline un altro."),
        "unknown_user": _("Non c'è un utente attivo con questo nome."),
        "order": _("La fine dell'assenza viene prima dell'inizio."),
        "past": _("L'assenza è già finita: indica date future."),
        "too_long": _("Un'assenza dura al massimo un anno."),
        "too_far": _("L'assenza comincia fra più di due anni: registrala più avanti."),
    }
    return texts.get(code)
