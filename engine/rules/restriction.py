"""Restriction is structural: a pathway declares it, and the engine applies it, not model code.

A process with the property `restricted` = `true` (the violence pathway) restricts every case
that runs it, and `restrictedTargetGroups` restricts the cases whose start data's `target_group`
is listed. The engine decides at case creation, before any model code runs, so a script that
fails cannot leave such a case open. The same declaration carries the entry rule: only the
organisations of `Settings.restricted_openers` (the CAV and the social service) may open such a
case, however it starts (API, UI, CLI, a call activity of another pathway).

Start data may not shadow the helpers, builtins or engine names model code relies on: a key
`date` would make every script that calls `date()` fail.
"""

from __future__ import annotations

from typing import Any

from engine.errors import Forbidden, InvalidInput
from engine.spiff import Instance
from engine.store.tables import Case, ProcessVersion
from engine.store.uow import UnitOfWork


def refuse_shadowing(uow: UnitOfWork, data: dict[str, Any]) -> None:
    """InvalidInput naming each start-data key that is a helper, builtin or engine name."""
    reserved = uow.runtime.environment.reserved_names()
    clashes = sorted(k for k in data if k in reserved or k.startswith("_"))
    if clashes:
        raise InvalidInput(
            f"start data may not use the reserved name(s) {', '.join(clashes)}: "
            "they are names of the engine or of model helpers",
            [{"field": key, "code": "reserved", "message": "reserved name"} for key in clashes],
        )


def _declared(uow: UnitOfWork, version_id: int) -> dict[str, Any]:
    return uow.runtime.restriction(
        version_id, lambda: uow.session.get_one(ProcessVersion, version_id).spec_json
    )


def restricted_by_model(
    uow: UnitOfWork, version_id: int, process_id: str, data: dict[str, Any]
) -> bool:
    """Whether the pathway restricts a new case with this start data."""
    declared = _declared(uow, version_id).get(process_id) or {}
    groups = declared.get("target_groups") or []
    return bool(declared.get("restricted")) or data.get("target_group") in groups


def require_restricted_opener(uow: UnitOfWork, organization: str | None, what: str) -> None:
    """Forbidden unless the opening organisation may open a restricted case."""
    allowed = {o.strip() for o in uow.settings.restricted_openers.split(",") if o.strip()}
    if organization not in allowed:
        raise Forbidden(
            f"{what} is restricted: only {', '.join(sorted(allowed))} may open it, "
            f"not {organization or 'a case without a referring organisation'}"
        )


def restrict_called(uow: UnitOfWork, case: Case, instance: Instance) -> None:
    """A case that has entered a restricted pathway through a call activity is restricted,
    and the entry rule applies as if it had started there (Forbidden rolls the command back)."""
    called = instance.called_processes()
    if not called:
        return
    declared = _declared(uow, case.version_id)
    entered = sorted(p for p in called if (declared.get(p) or {}).get("restricted"))
    if not entered:
        return
    organization = (
        uow.facts.organization_code(uow.session, case.organization_id)
        if case.organization_id is not None
        else None
    )
    require_restricted_opener(uow, organization, f"the pathway {entered[0]}")
    case.restricted = True
