"""The person's consents, by scope, and what depends on them.

The public bodies of the network act under GDPR art. 6(1)(e) and 9(2)(g), with art. 2-sexies
of the Codice privacy (D.Lgs. 196/2003): consent is not the legal basis of the pathway. It is
asked only where sharing needs it:
- `private_partners`: the case is shared with private partners (organisations of kind `union`,
  `association`, `third_sector`, `cooperative`). Without it they do not take part in the case
  and their tasks go to the owner's case managers; withdrawing it stops both at once.
- `pathway`: the woman's consent to the violence pathway (recorded; the pathway asks for it).
- `identity_to_case_manager`: on a restricted case, the named case manager sees who she is.
A consent has a scope and who gave it: the person, or a parent or guardian for a minor (the
start form requires that). Withdrawn consents keep their row: the audit trail tells the story.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select

from engine.actors import Actor
from engine.errors import InvalidInput
from engine.rules.audit import record
from engine.store.tables import Case, CaseConsent, CaseParty, Organization
from engine.store.uow import UnitOfWork

PATHWAY = "pathway"
PRIVATE_PARTNERS = "private_partners"
IDENTITY = "identity_to_case_manager"
SCOPES = (PATHWAY, PRIVATE_PARTNERS, IDENTITY)
GIVERS = ("interessato", "genitore", "tutore")  # the person, a parent, a guardian
PRIVATE_KINDS = frozenset({"union", "association", "third_sector", "cooperative"})


def check_scope(scope: str) -> str:
    if scope not in SCOPES:
        raise InvalidInput(
            f"unknown consent scope {scope!r}; one of: {', '.join(SCOPES)}",
            [{"field": "scope", "message": "unknown scope"}],
        )
    return scope


def check_giver(given_by: str) -> str:
    if given_by not in GIVERS:
        raise InvalidInput(
            f"consent given by {given_by!r}; one of: {', '.join(GIVERS)}",
            [{"field": "given_by", "message": "unknown"}],
        )
    return given_by


def parse_consents(value: Any) -> tuple[dict[str, bool], str]:
    """The start data's `consents` object: {scope: true/false, ..., "given_by": who}."""
    if value is None:
        return {}, GIVERS[0]
    if not isinstance(value, dict):
        raise InvalidInput(
            "consents must be an object", [{"field": "consents", "message": "not an object"}]
        )
    given_by = check_giver(str(value.get("given_by") or GIVERS[0]))
    found: dict[str, bool] = {}
    for key, given in value.items():
        if key == "given_by":
            continue
        if not isinstance(given, bool):
            raise InvalidInput(
                f"consents.{key} must be true or false",
                [{"field": f"consents.{key}", "message": "not a boolean"}],
            )
        found[check_scope(str(key))] = given
    return found, given_by


def consenting(uow: UnitOfWork, case_ids: list[int], scope: str) -> set[int]:
    """Which of these cases hold a consent in force to `scope` (one query for a page)."""
    if not case_ids:
        return set()
    return set(
        uow.session.scalars(
            select(CaseConsent.case_id).where(
                uow.among(CaseConsent.case_id, case_ids),
                CaseConsent.scope == scope,
                CaseConsent.withdrawn_at.is_(None),
            )
        )
    )


def active_scopes(uow: UnitOfWork, case_id: int) -> set[str]:
    """The scopes the person has consented to and not withdrawn."""
    return set(
        uow.session.scalars(
            select(CaseConsent.scope).where(
                CaseConsent.case_id == case_id, CaseConsent.withdrawn_at.is_(None)
            )
        )
    )


_CONSENTS = (
    select(CaseConsent).where(CaseConsent.case_id == bindparam("case_id")).order_by(CaseConsent.id)
)


def consent_rows(uow: UnitOfWork, case_id: int) -> list[CaseConsent]:
    """Every consent of the case, given and withdrawn, oldest first."""
    return list(uow.session.scalars(_CONSENTS, {"case_id": case_id}))


def give(
    uow: UnitOfWork, case: Case, scope: str, given_by: str, actor: Actor
) -> CaseConsent | None:
    """Record a consent: its row, or None when it is already in force."""
    check_scope(scope)
    check_giver(given_by)
    if scope in active_scopes(uow, case.id):
        return None
    row = CaseConsent(
        case_id=case.id,
        scope=scope,
        given_by=given_by,
        given_at=uow.now,
        recorded_by=actor.user_id,
    )
    uow.session.add(row)
    uow.session.flush()
    record(uow, case, "consent_given", actor, {"scope": scope, "given_by": given_by})
    return row


def withdraw(uow: UnitOfWork, case: Case, scope: str, actor: Actor, reason: str = "") -> bool:
    """End a consent in force; False when there is none."""
    check_scope(scope)
    rows = uow.session.scalars(
        select(CaseConsent).where(
            CaseConsent.case_id == case.id,
            CaseConsent.scope == scope,
            CaseConsent.withdrawn_at.is_(None),
        )
    ).all()
    for row in rows:
        row.withdrawn_at, row.withdrawn_by = uow.now, actor.user_id
    if rows:
        uow.session.flush()
        record(uow, case, "consent_withdrawn", actor, {"scope": scope, "reason": reason})
    return bool(rows)


def is_private(uow: UnitOfWork, organization_id: int | None) -> bool:
    """A private partner: its kind is one of PRIVATE_KINDS."""
    if organization_id is None:
        return False
    org = uow.get(Organization, organization_id)
    return org is not None and org.kind in PRIVATE_KINDS


def private_parties(uow: UnitOfWork, case_id: int) -> list[int]:
    """The private partners taking part in the case."""
    return list(
        uow.session.scalars(
            select(CaseParty.organization_id)
            .join(Organization, Organization.id == CaseParty.organization_id)
            .where(CaseParty.case_id == case_id, Organization.kind.in_(sorted(PRIVATE_KINDS)))
        )
    )


def consent_answers(schema: dict[str, Any] | None, data: Any) -> list[tuple[str, bool, str]]:
    """Consents a form records: boolean fields marked `"x-consent": "<scope>"` (at the top or
    in one nested object), each with who gave it (a sibling marked `"x-consent-giver": true`)."""
    if not isinstance(schema, dict) or not isinstance(data, dict):
        return []
    found: list[tuple[str, bool, str]] = []
    properties = schema.get("properties") or {}
    giver = next(
        (
            str(data[k])
            for k, p in properties.items()
            if isinstance(p, dict) and p.get("x-consent-giver") and data.get(k) in GIVERS
        ),
        GIVERS[0],
    )
    for key, prop in properties.items():
        if not isinstance(prop, dict) or key not in data:
            continue
        if prop.get("x-consent") in SCOPES and isinstance(data[key], bool):
            found.append((str(prop["x-consent"]), data[key], giver))
        elif prop.get("type") == "object":
            found.extend(consent_answers(prop, data[key]))
    return found
