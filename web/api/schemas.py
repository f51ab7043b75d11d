"""Marshmallow schemas of the API: problems, cases, tasks, incidents and messages."""

from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields, validate

from engine.reads.incidentviews import STATUSES as INCIDENT_STATUSES
from engine.reads.taskviews import STATES as TASK_STATES
from engine.reads.trail import READS
from engine.rules.consent import GIVERS
from engine.rules.consent import SCOPES as CONSENT_SCOPES
from engine.rules.ownership import NAMED_ROLES

from .fields import Moment, cursor, page_limit, text

CASE_STATUSES = ("running", "completed", "cancelled")


class ProblemItemSchema(Schema):
    """One problem of a request: a field, a file, a BPMN element."""

    class Meta:
        unknown = INCLUDE

    field = fields.String(allow_none=True)
    location = fields.String(allow_none=True)
    message = fields.String()
    code = fields.String(allow_none=True)
    file = fields.String(allow_none=True)
    line = fields.Integer(allow_none=True)
    element_id = fields.String(allow_none=True)


class ProblemSchema(Schema):
    """An error (RFC 9457 application/problem+json)."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.List(fields.Nested(ProblemItemSchema))


# -- cases ----------------------------------------------------------------------------------
class CaseQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(CASE_STATUSES))
    process = text(120)
    target_group = text(40)
    organization = text(64)
    opened_after = Moment()
    opened_before = Moment()
    cursor = cursor()
    limit = page_limit()


class StartCaseSchema(Schema):
    process_id = text(120, required=True)
    data = fields.Dict(keys=fields.String(), load_default=dict)
    organization = text(64, allow_none=True, metadata={"description": "referring organisation"})


class SetCaseManagerSchema(Schema):
    user = text(80, required=True, metadata={"description": "username of the person named"})
    role = fields.String(
        load_default="case_manager",
        validate=validate.OneOf(NAMED_ROLES),
        metadata={"description": "case_manager, or cav_operator on a case a CAV owns"},
    )
    expected_version = fields.Integer(validate=validate.Range(min=0, max=2**31 - 1))


class TransferSchema(Schema):
    organization = text(64, required=True, metadata={"description": "the new owner's code"})
    reason = text(500, required=True)
    case_manager = text(80, metadata={"description": "the new owner's case manager, if known"})
    comune = text(80, metadata={"description": "where the person lives now"})
    expected_version = fields.Integer(validate=validate.Range(min=0, max=2**31 - 1))


class GiveConsentSchema(Schema):
    scope = fields.String(required=True, validate=validate.OneOf(CONSENT_SCOPES))
    given_by = fields.String(load_default="interessato", validate=validate.OneOf(GIVERS))
    expected_version = fields.Integer(validate=validate.Range(min=0, max=2**31 - 1))


class WithdrawConsentSchema(Schema):
    reason = text(500, load_default="")
    expected_version = fields.Integer(validate=validate.Range(min=0, max=2**31 - 1))


class CancelCaseSchema(Schema):
    reason = text(500, load_default="")
    expected_version = fields.Integer(
        strict=True,
        validate=validate.Range(min=0, max=2**31 - 1),
        metadata={"description": "the case's lock_version you saw (or send If-Match)"},
    )


class CaseSummarySchema(Schema):
    reference = fields.String(required=True)
    process_id = fields.String(required=True)
    status = fields.String(required=True)
    target_group = fields.String(allow_none=True)
    comune = fields.String(allow_none=True)
    restricted = fields.Boolean(required=True)
    subject = fields.String(required=True, metadata={"description": "the subject's pseudonym"})
    opened_at = fields.DateTime(required=True)
    closed_at = fields.DateTime(allow_none=True)
    next_wakeup_at = fields.DateTime(allow_none=True)
    lock_version = fields.Integer(required=True)


class CasePageSchema(Schema):
    items = fields.List(fields.Nested(CaseSummarySchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class IncidentSchema(Schema):
    id = fields.Integer(required=True)
    case = fields.String()
    element_id = fields.String(allow_none=True)
    kind = fields.String(required=True)
    error = fields.String(required=True)
    attempts = fields.Integer(required=True)
    opened_at = fields.DateTime(required=True)
    resolved_at = fields.DateTime(allow_none=True)


class IncidentPageSchema(Schema):
    items = fields.List(fields.Nested(IncidentSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class IncidentQuerySchema(Schema):
    status = fields.String(load_default="open", validate=validate.OneOf(INCIDENT_STATUSES))
    case = text(32)
    process = text(120)
    cursor = cursor()
    limit = page_limit()


# -- tasks ----------------------------------------------------------------------------------
class TaskSummarySchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    name = fields.String(required=True)
    element_id = fields.String(required=True)
    process_id = fields.String(required=True)
    case = fields.String(required=True)
    case_subject = fields.String(required=True, metadata={"description": "pseudonym"})
    target_group = fields.String(allow_none=True)
    restricted = fields.Boolean(required=True)
    candidate_groups = fields.List(fields.String(), required=True)
    organization = fields.String(allow_none=True)
    assignee = fields.String(allow_none=True)
    substitute_for = fields.String(
        allow_none=True,
        metadata={"description": "the absent colleague the assignee holds the task for"},
    )
    status = fields.String(required=True)
    priority = fields.Integer(required=True)
    due_at = fields.DateTime(allow_none=True)
    overdue = fields.Boolean(required=True)
    escalation_level = fields.Integer(required=True)
    form_key = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)
    completed_at = fields.DateTime(allow_none=True)


class AnswerSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    element_id = fields.String(required=True)
    completed_at = fields.DateTime(allow_none=True)
    completed_by = fields.String(allow_none=True)
    data = fields.Dict(allow_none=True)


class TaskDetailSchema(TaskSummarySchema):
    case_version = fields.Integer(required=True)
    form = fields.Dict(allow_none=True, metadata={"description": "JSON Schema of the form"})
    draft = fields.Dict(allow_none=True)
    data = fields.Dict(allow_none=True)
    may_act = fields.Boolean(required=True)
    history = fields.List(fields.Nested(AnswerSchema), required=True)


class TaskPageSchema(Schema):
    items = fields.List(fields.Nested(TaskSummarySchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class TaskQuerySchema(Schema):
    assignee = text(80, metadata={"description": "me, none, or a username"})
    group = text(40)
    organization = text(64)
    case = text(32)
    process = text(120)
    target_group = text(40)
    overdue = fields.Boolean()
    due_before = Moment()
    state = fields.String(load_default="open", validate=validate.OneOf(TASK_STATES))
    sort = fields.String(load_default="due", validate=validate.OneOf(("due", "priority")))
    cursor = cursor()
    limit = page_limit()


class CompleteSchema(Schema):
    data = fields.Dict(keys=fields.String(), load_default=dict)
    expected_version = fields.Integer(
        strict=True,
        validate=validate.Range(min=0, max=2**31 - 1),
        metadata={"description": "the case_version you saw (or send If-Match)"},
    )


class DraftSchema(Schema):
    data = fields.Dict(keys=fields.String(), required=True)


class AssignSchema(Schema):
    user = text(80, required=True)


class PersonSchema(Schema):
    username = fields.String(required=True)
    full_name = fields.String(required=True)


class ConsentSchema(Schema):
    scope = fields.String(required=True)
    given_by = fields.String(required=True)
    given_at = fields.DateTime(required=True)
    withdrawn_at = fields.DateTime(allow_none=True)


class OwnershipSchema(Schema):
    """Who owns and leads a case (what a transfer answers: the caller may no longer see it)."""

    reference = fields.String(required=True)
    owner = fields.String(allow_none=True)
    case_manager = fields.Nested(PersonSchema, allow_none=True)
    cav_operator = fields.Nested(PersonSchema, allow_none=True)
    consents = fields.List(fields.Nested(ConsentSchema), required=True)
    may_manage = fields.Boolean(required=True)
    may_record_consents = fields.Boolean(required=True)


class CaseDetailSchema(CaseSummarySchema):
    version = fields.Integer(required=True)
    owner = fields.String(allow_none=True, metadata={"description": "the owning organisation"})
    case_manager = fields.Nested(PersonSchema, allow_none=True)
    cav_operator = fields.Nested(
        PersonSchema, allow_none=True, metadata={"description": "on a case a CAV owns"}
    )
    consents = fields.List(fields.Nested(ConsentSchema), required=True)
    may_manage = fields.Boolean(
        required=True, metadata={"description": "may name the case manager and transfer it"}
    )
    may_record_consents = fields.Boolean(required=True)
    open_tasks = fields.List(fields.Nested(TaskSummarySchema), required=True)
    completed_elements = fields.List(fields.String(), required=True)
    active_elements = fields.List(fields.String(), required=True)
    incident_elements = fields.List(fields.String(), required=True)
    incidents = fields.List(fields.Nested(IncidentSchema), required=True)
    identity = fields.Dict(
        allow_none=True, metadata={"description": "only for CAV operators and the case manager"}
    )


class EventQuerySchema(Schema):
    reads = fields.String(
        load_default="include",
        validate=validate.OneOf(READS),
        metadata={
            "description": "the audited reads of the case (restricted_case_read, "
            "subject_exported): with the other events, left out, or alone"
        },
    )
    cursor = cursor()
    limit = page_limit()


class EventSchema(Schema):
    seq = fields.Integer(required=True, metadata={"description": "the event's place in the case"})
    at = fields.DateTime(required=True)
    actor = fields.String(required=True)
    actor_name = fields.String(allow_none=True, metadata={"description": "the actor's full name"})
    kind = fields.String(required=True)
    element_id = fields.String(allow_none=True)
    payload = fields.Dict(required=True)
    hash = fields.String(required=True)


class EventPageSchema(Schema):
    items = fields.List(fields.Nested(EventSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class OutcomeSchema(Schema):
    """What a command did to a case."""

    case = fields.String(required=True)
    status = fields.String(required=True)
    lock_version = fields.Integer(required=True)
    emitted = fields.List(fields.Nested(TaskSummarySchema), required=True)
    incident = fields.Nested(IncidentSchema, allow_none=True, required=True)


# -- messages -------------------------------------------------------------------------------
class MessageSchema(Schema):
    name = text(120, required=True)
    correlation = text(120, allow_none=True, metadata={"description": "a case reference"})
    payload = fields.Dict(keys=fields.String(), load_default=dict)


class DeliverySchema(Schema):
    delivered_to = fields.List(fields.String(), required=True)
    stored = fields.Boolean(required=True, metadata={"description": "kept for a later case"})
