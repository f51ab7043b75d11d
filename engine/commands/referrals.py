"""Referring a person (segnalazione): on behalf of one of the referrer's organisations.

The start data is checked against the pathway's start form inside start_case (see
engine/rules/startdata.py); the names below stay importable from here for the web adapters.
"""

from __future__ import annotations

from typing import Any

from engine.actors import Actor
from engine.commands.cases import start_case
from engine.errors import Forbidden
from engine.rules.access import READ_ONLY_ROLES
from engine.rules.progress import Outcome
from engine.rules.startdata import referral_schema, valid_tax_code
from engine.store.uow import UnitOfWork

__all__ = ["refer_case", "referral_schema", "referring_organizations", "valid_tax_code"]


def referring_organizations(actor: Actor) -> list[str]:
    """The organisations on whose behalf the actor may refer someone (not as a read-only role)."""
    return sorted({org for role, org in actor.memberships if role not in READ_ONLY_ROLES})


def refer_case(
    uow: UnitOfWork,
    process_id: str,
    data: dict[str, Any],
    actor: Actor,
    *,
    organization: str,
) -> Outcome:
    """Open a case from a referral typed into the process's start form (FormDataInvalid if not)."""
    if organization not in referring_organizations(actor):
        raise Forbidden(f"{actor.username} may not refer on behalf of {organization!r}")
    return start_case(uow, process_id, data, actor, organization=organization)
