"""Registering a referral (segnalazione): the pathway's start form, checked on the server."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from engine.commands.accounts import organization_names
from engine.commands.referrals import refer_case, referral_schema, referring_organizations
from engine.errors import Forbidden, FormDataInvalid
from engine.rules.startforms import start_form
from workflows.catalogue import CATALOGUE
from workflows.eligibility import entry_allowed

from ..auth import current_actor, engine
from .forms import build_fields, field_errors, parse_submission

bp = Blueprint("referrals", __name__)


@dataclass
class Referral:
    """What the page offers: pathways entered by a referral, and the actor's organisations."""

    pathways: list[dict[str, Any]]
    organizations: list[tuple[str, str]]  # (code, name)
    chosen: dict[str, Any] | None = None

    @property
    def schema(self) -> dict[str, Any]:
        return referral_schema(self.chosen["form"].schema if self.chosen else None)


def _locale() -> str:
    return str(get_locale() or "it")


def referral(process_id: str | None) -> Referral:
    """The deployed pathways with a start form; 403 for someone who may not refer anyone."""
    actor = current_actor()
    codes = referring_organizations(actor)
    if not codes:
        raise Forbidden(f"{actor.username} may not refer anyone")
    found = []
    with engine().uow(write=False) as uow:
        names = organization_names(uow)
        for p in CATALOGUE:
            form = start_form(uow, p.process_id) if p.start_form else None
            if form is not None:
                title = p.title_en if _locale() == "en" else p.title_it
                found.append({"id": p.process_id, "title": title, "form": form})
    chosen = next((p for p in found if p["id"] == process_id), None)
    if chosen is None and len(found) == 1 and not process_id:
        chosen = found[0]
    return Referral(found, [(c, names.get(c, c)) for c in codes], chosen)


def _page(
    ref: Referral,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    refusal: str | None = None,
    status: int = 200,
) -> Any:
    values = values or {}
    fields = build_fields(ref.schema, values, errors or {}, _locale()) if ref.chosen else []
    return render_template(
        "referrals/new.html",
        ref=ref,
        organization=values.get("_organization") or ref.organizations[0][0],
        fields=fields,
        error_count=len(errors or {}),
        form_error=(errors or {}).get(""),
        refusal=refusal,
    ), status


@bp.get("/cases/new")
def new() -> Any:
    """Choose the pathway, then type the referral into its start form."""
    return _page(referral(request.args.get("process")))


@bp.post("/cases/new")
def create() -> Any:
    """Open the case; a refused referral comes back with what was typed and why."""
    ref = referral(request.form.get("process"))
    if ref.chosen is None:
        return _page(ref, status=422)
    values = parse_submission(ref.schema, request.form)
    organization = request.form.get("organization", "")
    shown = {**values, "_organization": organization}
    if organization not in {code for code, _name in ref.organizations}:
        errors = {"": _("Scegliere l'organizzazione per conto della quale si segnala.")}
        return _page(ref, shown, errors, status=422)
    if not entry_allowed(str(values.get("target_group", "")), organization):
        return _page(ref, shown, refusal=_violence_refusal(ref, organization), status=403)
    try:
        with engine().uow() as uow:
            outcome = refer_case(
                uow, ref.chosen["id"], values, current_actor(uow), organization=organization
            )
    except FormDataInvalid as exc:
        return _page(ref, shown, field_errors(ref.schema, exc.problems), status=422)
    return _done(outcome.case.reference, outcome.case.status)


def _violence_refusal(ref: Referral, organization: str) -> str:
    name = dict(ref.organizations).get(organization, organization)
    message = _(
        "Il percorso per donne vittime di violenza si apre solo da un Centro antiviolenza "
        "o dal servizio sociale (Comune o Azienda Sociale del Cremonese): %(org)s non può "
        "aprirlo. Indirizzi la donna al Centro antiviolenza, che la segnalerà con il suo "
        "consenso.",
        org=name,
    )
    return str(message)


def _done(reference: str, status: str) -> Response:
    if status == "running":
        message = _("Segnalazione registrata: è stato aperto il caso %(ref)s.", ref=reference)
        flash(message, "success")
    else:
        flash(
            _(
                "Segnalazione registrata come caso %(ref)s, ma il percorso l'ha chiusa subito: "
                "ingresso non ammesso.",
                ref=reference,
            ),
            "warning",
        )
    return redirect(url_for("case_pages.detail", reference=reference))
