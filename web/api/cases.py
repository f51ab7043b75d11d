"""Cases: start, list, read with diagram state, audit trail, cancel."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from engine import Actor
from engine.commands.cases import cancel_case_by_reference, start_case
from engine.commands.consents import give_consent, withdraw_consent
from engine.commands.ownership import set_case_manager, transfer_case
from engine.reads.caselists import CaseFilter, list_cases
from engine.reads.caseviews import case_detail, case_summary, ownership, started_case_detail
from engine.reads.trail import case_events
from engine.store.uow import UnitOfWork

from .calls import IF_MATCH, call, expected_version, filters, read
from .schemas import (
    CancelCaseSchema,
    CaseDetailSchema,
    CasePageSchema,
    CaseQuerySchema,
    CaseSummarySchema,
    EventPageSchema,
    EventQuerySchema,
    GiveConsentSchema,
    OwnershipSchema,
    SetCaseManagerSchema,
    StartCaseSchema,
    TransferSchema,
    WithdrawConsentSchema,
)

PATH = "/cases"
blp = Blueprint("cases", __name__, description="Cases: one referred person's pathway")


@blp.post("")
@blp.arguments(StartCaseSchema())
@blp.response(201, CaseDetailSchema)
def start(body: dict[str, Any]) -> Any:
    """Start a case on the newest version of a process."""

    def started(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
        options = {"organization": body.get("organization")}
        outcome = start_case(uow, body["process_id"], body["data"], actor, **options)
        return started_case_detail(uow, actor, outcome)

    return call(started)


@blp.get("")
@blp.arguments(CaseQuerySchema(), location="query")
@blp.response(200, CasePageSchema)
def index(args: dict[str, Any]) -> Any:
    """Cases the caller may see, newest first (cursor pagination)."""
    return read(
        lambda uow, actor: list_cases(
            uow, actor, filters(args, CaseFilter), args.get("cursor"), args["limit"]
        )
    )


@blp.get("/<reference>")
@blp.response(200, CaseDetailSchema)
def show(reference: str) -> Any:
    """Status, open tasks, completed/active element ids, incidents; identity if allowed."""
    detail = read(lambda uow, actor: case_detail(uow, actor, reference))
    return detail, 200, {"ETag": f'"{detail["lock_version"]}"'}


@blp.get("/<reference>/events")
@blp.arguments(EventQuerySchema(), location="query")
@blp.response(200, EventPageSchema)
def events(args: dict[str, Any], reference: str) -> Any:
    """The case's hash-chained audit trail, oldest first (cursor pagination)."""
    return read(
        lambda uow, actor: case_events(
            uow, actor, reference, args.get("cursor"), args["limit"], args["reads"]
        )
    )


@blp.post("/<reference>/cancel")
@blp.arguments(CancelCaseSchema(), required=False)
@blp.response(200, CaseSummarySchema)
@blp.doc(parameters=[IF_MATCH])
def cancel(body: dict[str, Any], reference: str) -> Any:
    """Cancel a running case (409 if it changed since the version given in If-Match)."""
    version = expected_version(body)
    case = call(
        lambda uow, actor: cancel_case_by_reference(
            uow, reference, actor, body.get("reason", ""), expected_version=version
        )
    )
    return case_summary(case)


@blp.post("/<reference>/case-manager")
@blp.arguments(SetCaseManagerSchema())
@blp.response(200, CaseDetailSchema)
@blp.doc(parameters=[IF_MATCH])
def name_case_manager(body: dict[str, Any], reference: str) -> Any:
    """Name or change the case manager (or, on a case a CAV owns, its CAV operator)."""
    version = expected_version(body)

    def named(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
        set_case_manager(
            uow, reference, body["user"], actor, role=body["role"], expected_version=version
        )
        return case_detail(uow, actor, reference)

    return call(named)


@blp.post("/<reference>/transfer")
@blp.arguments(TransferSchema())
@blp.response(200, OwnershipSchema)
@blp.doc(parameters=[IF_MATCH])
def transfer(body: dict[str, Any], reference: str) -> Any:
    """Transfer the case to another owning organisation; its open tasks move with it."""
    version = expected_version(body)

    def moved(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
        case = transfer_case(
            uow,
            reference,
            body["organization"],
            actor,
            reason=body["reason"],
            case_manager=body.get("case_manager"),
            comune=body.get("comune"),
            expected_version=version,
        )
        return {"reference": reference, **ownership(uow, actor, case)}

    return call(moved)


@blp.post("/<reference>/consents")
@blp.arguments(GiveConsentSchema())
@blp.response(200, CaseDetailSchema)
def give(body: dict[str, Any], reference: str) -> Any:
    """Record a consent of the person (or of a parent or guardian)."""
    version = expected_version(body)

    def given(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
        give_consent(
            uow,
            reference,
            body["scope"],
            actor,
            given_by=body["given_by"],
            expected_version=version,
        )
        return case_detail(uow, actor, reference)

    return call(given)


@blp.post("/<reference>/consents/<scope>/withdraw")
@blp.arguments(WithdrawConsentSchema(), required=False)
@blp.response(200, CaseDetailSchema)
def withdraw(body: dict[str, Any], reference: str, scope: str) -> Any:
    """Record that the person withdrew a consent: what depended on it stops."""
    version = expected_version(body)

    def withdrawn(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
        withdraw_consent(
            uow, reference, scope, actor, reason=body.get("reason", ""), expected_version=version
        )
        return case_detail(uow, actor, reference)

    return call(withdrawn)
