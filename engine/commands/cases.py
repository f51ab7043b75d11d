"""Use cases on whole cases: start, cancel, retry an incident."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import delete, select

from engine.actors import Actor
from engine.commands.metering import metered
from engine.errors import Forbidden, IncidentNotFound, InvalidInput
from engine.rules.access import require_case_closer, require_case_opener, visible_case
from engine.rules.audit import record, start_chain
from engine.rules.consent import give, parse_consents
from engine.rules.ownership import (
    NAMED_ROLES,
    named_column,
    owner_expression,
    record_naming,
    roles_taken,
)
from engine.rules.progress import (
    CANCELLED,
    RUNNING,
    Outcome,
    case_specs,
    load_instance,
    require_running,
    settle,
)
from engine.rules.restriction import (
    refuse_shadowing,
    require_restricted_opener,
    restricted_by_model,
)
from engine.rules.startdata import checked_start_data
from engine.rules.versions import latest_version_number
from engine.rules.worklist import CANCELLED as TASK_CANCELLED
from engine.rules.worklist import OPEN, add_party
from engine.spiff import ScriptError
from engine.spiff.forms import refuse_control_characters
from engine.store.locking import lock_case
from engine.store.references import next_reference
from engine.store.tables import (
    Case,
    CaseSubject,
    HumanTask,
    Incident,
    MessageSubscription,
    User,
)
from engine.store.uow import UnitOfWork

PSEUDONYM_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_pseudonym() -> str:
    """A random pseudonym, shown for a restricted case's subject everywhere."""
    return "PS-" + "".join(secrets.choice(PSEUDONYM_ALPHABET) for _ in range(8))


@metered("start_case")
def start_case(
    uow: UnitOfWork,
    process_id: str,
    data: dict[str, Any],
    actor: Actor,
    *,
    organization: str | None = None,
    version_number: int | None = None,
) -> Outcome:
    """Open a case on the latest version of a process and run it to its first wait.

    The start data is checked against the version's start form here (every entry point passes
    through this); `subject` goes to the identity table, `consents` to the consent table."""
    require_case_opener(actor)
    data = _object(data, "case data")
    refuse_shadowing(uow, {k: v for k, v in data.items() if k not in ("subject", "consents")})
    version_id, number = latest_version_number(uow, process_id)
    data = checked_start_data(uow, version_id, process_id, data)
    subject = data.pop("subject", None)
    if subject is not None:
        subject = _object(subject, "subject")
        refuse_control_characters(subject, "subject")
    refuse_control_characters(data)
    consents, given_by = parse_consents(data.pop("consents", None))
    columns = _new_case(uow, process_id, version_id, data, organization, actor)
    if restricted_by_model(uow, version_id, process_id, data):
        opener = organization_code(uow, columns["organization_id"])
        require_restricted_opener(uow, opener, f"the pathway {process_id}")
        columns["restricted"] = True  # before any model code runs: no script can undo it
    referrer = organization_code(uow, columns["organization_id"])
    owner, columns["owner_organization_id"] = _owner(uow, columns, data, referrer)
    # Who refers the case takes it in charge where they may: named in its INSERT.
    taken = roles_taken(uow, Case(**columns), actor, NAMED_ROLES)
    columns.update({named_column(role): actor.user_id for role in taken})
    case = uow.insert_now(Case, **columns)
    start_chain(uow, case.id)
    stored = CaseSubject(case_id=case.id, identity=subject) if subject else None
    if stored is not None:
        uow.session.add(stored)
    for org_id in {case.organization_id, case.owner_organization_id}:
        if org_id is not None:
            add_party(uow, case.id, org_id)
    payload = {"process_id": process_id, "version": number, "owner": owner}
    record(uow, case, "case_started", actor, payload)
    for role in taken:
        record_naming(uow, case, role, actor, actor, "referred the case")
    given = [give(uow, case, scope, given_by, actor) for scope, yes in consents.items() if yes]
    data["case_reference"] = case.reference
    # Models decide on the referrer (e.g. who may open a violence case): never taken from input.
    data["referring_organization"] = referrer
    instance = uow.runtime.new(case_specs(uow, case), data)
    outcome = settle(uow, case, instance, actor)
    outcome.subject, outcome.consents = stored, [row for row in given if row is not None]
    # The answer to a start names who leads the case: their rows are read in this transaction
    # and held by the unit of work, so that answer needs no second one.
    for user_id in (case.case_manager_id, case.cav_operator_id):
        uow.get(User, user_id)
    uow.commit()
    return outcome


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidInput(
            f"{what} must be a JSON object",
            [{"field": what.split()[-1], "message": "not an object"}],
        )
    return dict(value)


def _owner(
    uow: UnitOfWork, columns: dict[str, Any], data: dict[str, Any], referrer: str | None
) -> tuple[str | None, int | None]:
    """The owning organisation (code, id) of a new case's row: the process's `caseOwner` over
    the start data, else the referring organisation."""
    expression = owner_expression(uow, columns["version_id"], columns["process_id"])
    if expression is None:
        return referrer, columns["organization_id"]
    context = {**data, "referring_organization": referrer}
    try:
        code = uow.runtime.environment.evaluate_checked(expression, context)
    except ScriptError as exc:
        raise InvalidInput(
            f"the pathway could not find who owns the case (caseOwner): {exc}",
            [{"field": "organization", "message": "no owner"}],
        ) from exc
    org_id = uow.facts.organization_id(uow.session, code) if isinstance(code, str) else None
    if org_id is None:
        raise InvalidInput(
            f"the pathway names {code!r} as the case's owner: not an organisation of the network",
            [{"field": "organization", "message": "unknown owner"}],
        )
    return str(code), org_id


def _new_case(
    uow: UnitOfWork,
    process_id: str,
    version_id: int,
    data: dict[str, Any],
    organization: str | None,
    actor: Actor,
) -> dict[str, Any]:
    """The columns of a new case's row."""
    return {
        "reference": next_reference(uow),
        "version_id": version_id,
        "process_id": process_id,
        "status": RUNNING,
        "target_group": _text(data.get("target_group"), 40),
        "comune": _text(data.get("comune"), 80),
        "organization_id": _organization_id(uow, organization, actor),
        "case_manager_id": None,
        "owner_organization_id": None,
        "cav_operator_id": None,
        "restricted": data.get("restricted") is True,
        "subject_pseudonym": new_pseudonym(),
        "state_json": "{}",
        "serializer_version": uow.runtime.serializer_version,
        "next_wakeup_at": None,
        "lock_version": 0,
        "opened_by": actor.user_id,
        "opened_at": uow.now,
        "closed_at": None,
        "anonymized_at": None,
    }


def organization_code(uow: UnitOfWork, organization_id: int | None) -> str | None:
    """The code of an organisation by id (None for None)."""
    if organization_id is None:
        return None
    return uow.facts.organization_code(uow.session, organization_id)


def _text(value: Any, size: int) -> str | None:
    """A short text column's value (the column's size bounds it)."""
    return str(value)[:size] if value not in (None, "") else None


def _organization_id(uow: UnitOfWork, code: str | None, actor: Actor) -> int | None:
    if code is None and len(actor.organizations) == 1:
        code = next(iter(actor.organizations))
    if code is None:
        return None
    if not (actor.is_admin or code in actor.organizations):
        raise Forbidden(f"{actor.username} does not belong to {code}")
    org_id = uow.facts.organization_id(uow.session, code)
    if org_id is None:
        raise InvalidInput(
            f"unknown organisation {code!r}", [{"field": "organization", "message": "unknown"}]
        )
    return org_id


@metered("cancel_case")
def cancel_case_by_reference(
    uow: UnitOfWork,
    reference: str,
    actor: Actor,
    reason: str = "",
    *,
    expected_version: int | None = None,
) -> Case:
    """Cancel a case the actor can see, by its reference (StaleCase if it moved on)."""
    case = visible_case(uow, actor, reference)
    return cancel_case(uow, case.id, actor, reason, expected_version=expected_version)


@metered("cancel_case")
def cancel_case(
    uow: UnitOfWork,
    case_id: int,
    actor: Actor,
    reason: str = "",
    *,
    expected_version: int | None = None,
) -> Case:
    """Cancel a running case and close its open tasks."""
    case = lock_case(uow, case_id, expected_version)
    require_case_closer(actor, case)
    require_running(case)
    instance = load_instance(uow, case)
    instance.cancel()
    case.state_json = uow.runtime.dump(instance)
    case.status = CANCELLED
    case.closed_at = uow.now
    case.next_wakeup_at = None
    case.lock_version += 1
    for task in uow.session.scalars(
        select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.status == OPEN)
    ):
        task.status = TASK_CANCELLED
        task.completed_at = uow.now
        task.next_escalation_at = None
    uow.session.execute(delete(MessageSubscription).where(MessageSubscription.case_id == case.id))
    record(uow, case, "case_cancelled", actor, {"reason": reason})
    uow.commit()
    return case


@metered("retry_incident")
def retry_incident(uow: UnitOfWork, incident_id: int, actor: Actor) -> Outcome:
    """Run the failed element again; the incident closes if the case moves on."""
    if not (actor.is_admin or actor.has_role("coordinator")):
        raise Forbidden(f"{actor.username} may not retry incidents (coordinator role needed)")
    incident = uow.session.get(Incident, incident_id)
    if incident is None or incident.resolved_at is not None:
        raise IncidentNotFound(f"no open incident {incident_id}")
    case = lock_case(uow, incident.case_id)
    require_running(case)
    instance = load_instance(uow, case)
    instance.retry(incident.spiff_task_id)
    record(uow, case, "incident_retried", actor, {"incident_id": incident.id}, incident.element_id)
    outcome = settle(uow, case, instance, actor)
    if outcome.incident is None or outcome.incident.id != incident.id:
        incident.resolved_at = uow.now
        incident.resolved_by = actor.user_id
        record(
            uow, case, "incident_resolved", actor, {"incident_id": incident.id}, incident.element_id
        )
    uow.commit()
    return outcome
