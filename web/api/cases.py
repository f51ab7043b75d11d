"""Cases: start, list, read with diagram state, audit trail, cancel."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from engine import Actor
from engine.commands.cases import cancel_case_by_reference, start_case
from engine.commands.referrals import checked_start_data
from engine.reads.caseviews import (
    CaseFilter,
    case_detail,
    case_events,
    case_summary,
    list_cases,
    started_case_detail,
)
from engine.store.uow import UnitOfWork

from .calls import IF_MATCH, call, expected_version, filters, read
from .schemas import (
    CancelCaseSchema,
    CaseDetailSchema,
    CasePageSchema,
    CaseQuerySchema,
    CaseSummarySchema,
    EventListSchema,
    StartCaseSchema,
)

PATH = "/cases"
blp = Blueprint("cases", __name__, description="Cases: one referred person's pathway")


@blp.post("")
@blp.arguments(StartCaseSchema)
@blp.response(201, CaseDetailSchema)
def start(body: dict[str, Any]) -> Any:
    """Start a case on the newest version of a process."""

    def started(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
        options = {"organization": body.get("organization")}
        data = checked_start_data(uow, body["process_id"], body["data"])
        outcome = start_case(uow, body["process_id"], data, actor, **options)
        return started_case_detail(uow, actor, outcome)

    return call(started)


@blp.get("")
@blp.arguments(CaseQuerySchema, location="query")
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
@blp.response(200, EventListSchema)
def events(reference: str) -> Any:
    """The case's hash-chained audit trail."""
    return {"items": read(lambda uow, actor: case_events(uow, actor, reference))}


@blp.post("/<reference>/cancel")
@blp.arguments(CancelCaseSchema, required=False)
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
