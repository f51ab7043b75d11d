"""The case page's forms on who leads a case: name its case manager, transfer it, consents.

Each form posts here; the engine decides who may (a 403 page otherwise). A refused form comes
back on the case page with the message beside the field and what was typed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from engine.commands.consents import give_consent, withdraw_consent
from engine.commands.ownership import set_case_manager, transfer_case
from engine.errors import Conflict, InvalidInput, NotFound, UserNotFound
from engine.rules.access import visible_case
from engine.store.uow import UnitOfWork

from ..auth import current_actor, engine
from .cases import render_case
from .ownership_form import OwnershipForm

bp = Blueprint("ownership", __name__)

FIELD_MESSAGES: dict[str, Callable[[], str]] = {
    "user": lambda: _("Scegliere una persona che possa guidare il caso per questa organizzazione."),
    "organization": lambda: _(
        "Scegliere un servizio sociale (o, per un caso riservato, un Centro antiviolenza) diverso "
        "da quello attuale."
    ),
    "reason": lambda: _("Indicare il motivo del trasferimento."),
}


def _run(reference: str, which: str, action: Callable[[UnitOfWork], Any], done: str) -> Any:
    """Run one command as the user; on refused input, the case page with the errors. After a
    transfer the user may no longer see the case: then their case list."""
    values = {k: v for k, v in request.form.items() if k != "csrf_token"}
    try:
        with engine().uow() as uow:
            action(uow)
    except InvalidInput as exc:
        return render_case(reference, OwnershipForm(which, values, _errors(exc)), 422)
    except (Conflict, NotFound) as exc:
        flash(_("Operazione non riuscita: %(why)s", why=exc.detail), "warning")
        return redirect(url_for("case_pages.detail", reference=reference))
    flash(done, "success")
    if not _still_visible(reference):
        return redirect(url_for("case_list.index"))
    return redirect(url_for("case_pages.detail", reference=reference))


def _errors(exc: InvalidInput) -> dict[str, str]:
    """The message for each refused field, in the user's language where we know the field."""
    found: dict[str, str] = {}
    for problem in exc.problems:
        name = str(problem.get("field") or "")
        message = FIELD_MESSAGES.get(name)
        found[name] = message() if message else exc.detail
    return found or {"": exc.detail}


def _still_visible(reference: str) -> bool:
    try:
        with engine().uow(write=False) as uow:
            visible_case(uow, current_actor(), reference)
    except NotFound:
        return False
    return True


@bp.post("/cases/<reference>/case-manager")
def name(reference: str) -> Response:
    """Name or change the case manager (or the CAV operator)."""
    role = request.form.get("role", "case_manager")
    username = request.form.get("user", "").strip()
    actor = current_actor()

    def named(uow: UnitOfWork) -> None:
        try:
            set_case_manager(uow, reference, username, actor, role=role)
        except UserNotFound as exc:  # typed in the search field: a mistake to correct there
            raise InvalidInput(exc.detail, [{"field": "user", "message": "unknown"}]) from exc

    result: Response = _run(
        reference, role, named, _("Persona di riferimento del caso aggiornata.")
    )
    return result


@bp.post("/cases/<reference>/transfer")
def transfer(reference: str) -> Response:
    """Transfer the case to another organisation, with its open tasks."""
    form, actor = request.form, current_actor()
    result: Response = _run(
        reference,
        "transfer",
        lambda uow: transfer_case(
            uow,
            reference,
            form.get("organization", ""),
            actor,
            reason=form.get("reason", ""),
            comune=form.get("comune") or None,
        ),
        _("Caso trasferito: le attività aperte lo hanno seguito."),
    )
    return result


@bp.post("/cases/<reference>/consents")
def give(reference: str) -> Response:
    """Record a consent."""
    form, actor = request.form, current_actor()
    result: Response = _run(
        reference,
        "consent",
        lambda uow: give_consent(
            uow,
            reference,
            form.get("scope", ""),
            actor,
            given_by=form.get("given_by") or "interessato",
        ),
        _("Consenso registrato."),
    )
    return result


@bp.post("/cases/<reference>/consents/<scope>/withdraw")
def withdraw(reference: str, scope: str) -> Response:
    """Record that a consent was withdrawn."""
    actor = current_actor()
    result: Response = _run(
        reference,
        "consent",
        lambda uow: withdraw_consent(
            uow, reference, scope, actor, reason=request.form.get("reason", "")
        ),
        _("Revoca del consenso registrata: la condivisione che ne dipendeva è cessata."),
    )
    return result
