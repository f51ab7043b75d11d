"""`percorsi case-manager`, `transfer`, `consent`: who leads a case, where it belongs, consents."""

from __future__ import annotations

from typing import Any

import click

from engine.commands.consents import give_consent, withdraw_consent
from engine.commands.ownership import set_case_manager, transfer_case
from engine.reads.caseviews import ownership
from engine.rules.consent import GIVERS, SCOPES
from engine.rules.ownership import NAMED_ROLES
from web.cli.common import Context, emit, pass_ctx, reported, run_as


def _shown(ctx: Context, username: str | None, reference: str, action: Any) -> dict[str, Any]:
    """Run the command, then read back who owns and leads the case, in one unit of work."""

    def both(uow: Any, actor: Any) -> dict[str, Any]:
        case = action(uow, actor)
        found = ownership(uow, actor, case)
        return {"reference": reference, **found, "consents": _consents(found["consents"])}

    with reported():
        return run_as(ctx, username, both)


def _consents(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: str(v) if v is not None else None for k, v in row.items()} for row in rows]


def _text(view: dict[str, Any]) -> str:
    lead = view["case_manager"]["username"] if view["case_manager"] else "-"
    cav = view["cav_operator"]["username"] if view["cav_operator"] else "-"
    active = [c["scope"] for c in view["consents"] if not c["withdrawn_at"]]
    return (
        f"{view['reference']}: owner {view['owner']}, case manager {lead}, CAV operator {cav}; "
        f"consents in force: {', '.join(active) or 'none'}"
    )


@click.command("case-manager")
@click.argument("reference")
@click.argument("username")
@click.option("--role", type=click.Choice(NAMED_ROLES), default="case_manager", show_default=True)
@click.option("--as", "actor", default=None)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def case_manager(
    ctx: Context, reference: str, username: str, role: str, actor: str | None, as_json: bool
) -> None:
    """Name or change a case's case manager (or CAV operator)."""
    view = _shown(
        ctx,
        actor,
        reference,
        lambda uow, a: set_case_manager(uow, reference, username, a, role=role),
    )
    emit(view, as_json, lambda: _text(view))


@click.command()
@click.argument("reference")
@click.argument("organization")
@click.option("--reason", required=True, help="Why the case moves (recorded).")
@click.option("--case-manager", "named", default=None, help="The new owner's case manager.")
@click.option("--comune", default=None, help="Where the person lives now.")
@click.option("--as", "actor", default=None)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def transfer(
    ctx: Context,
    reference: str,
    organization: str,
    reason: str,
    named: str | None,
    comune: str | None,
    actor: str | None,
    as_json: bool,
) -> None:
    """Transfer a case to another owning organisation, with its open tasks."""
    view = _shown(
        ctx,
        actor,
        reference,
        lambda uow, a: transfer_case(
            uow, reference, organization, a, reason=reason, case_manager=named, comune=comune
        ),
    )
    emit(view, as_json, lambda: _text(view))


@click.command()
@click.argument("reference")
@click.argument("scope", type=click.Choice(SCOPES))
@click.option("--withdraw", is_flag=True, help="Record that the consent was withdrawn.")
@click.option("--given-by", type=click.Choice(GIVERS), default="interessato", show_default=True)
@click.option("--reason", default="", help="Why it was withdrawn (recorded).")
@click.option("--as", "actor", default=None)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def consent(
    ctx: Context,
    reference: str,
    scope: str,
    withdraw: bool,
    given_by: str,
    reason: str,
    actor: str | None,
    as_json: bool,
) -> None:
    """Record a consent of the person, or its withdrawal."""

    def change(uow: Any, a: Any) -> Any:
        if withdraw:
            return withdraw_consent(uow, reference, scope, a, reason=reason)
        return give_consent(uow, reference, scope, a, given_by=given_by)

    view = _shown(ctx, actor, reference, change)
    emit(view, as_json, lambda: _text(view))


COMMANDS = (case_manager, transfer, consent)
