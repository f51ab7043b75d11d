"""Marshmallow schemas of moving running cases to another version of their process."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from engine.rules.migration_plans import OUTCOMES, TIMER_POLICIES

from .fields import text

VERSION = validate.Range(min=1, max=2**31 - 1)


class MigrationSchema(Schema):
    """What to move where, and whether to only check it."""

    to = fields.Integer(required=True, validate=VERSION, metadata={"description": "target version"})
    source = fields.Integer(
        data_key="from",
        allow_none=True,
        validate=VERSION,
        metadata={"description": "only cases on this version (default: every other version)"},
    )
    cases = fields.List(
        text(32),
        validate=validate.Length(max=10_000),
        metadata={"description": "only these case references (default: every running case)"},
    )
    dry_run = fields.Boolean(
        required=True, metadata={"description": "true: report what would happen, change nothing"}
    )
    mapping = fields.Dict(
        keys=text(120, required=True),
        values=fields.String(allow_none=True, validate=validate.Length(min=1, max=120)),
        metadata={
            "description": "element of the case's version -> element of the target (null "
            "cancels a waiting boundary event); elements with the same id map by default"
        },
    )
    defaults = fields.Dict(
        keys=text(120, required=True),
        metadata={"description": "data the target version reads, for cases that lack it"},
    )
    timers = fields.String(
        load_default="keep",
        validate=validate.OneOf(TIMER_POLICIES),
        metadata={"description": "keep waiting timers' due times, or recompute them"},
    )


class MoveSchema(Schema):
    from_ = fields.String(data_key="from", attribute="from", required=True)
    from_name = fields.String(required=True)
    to = fields.String(allow_none=True, required=True)
    to_name = fields.String(allow_none=True, required=True)
    kind = fields.String(required=True)
    state = fields.String(required=True)


class CarriedTaskSchema(Schema):
    task_id = fields.Integer(required=True)
    name = fields.String(required=True)
    element_id = fields.String(required=True)
    to = fields.String(allow_none=True, required=True)
    to_name = fields.String(allow_none=True, required=True)
    kept = fields.Boolean(
        required=True, metadata={"description": "keeps its claim, draft and due date"}
    )


class TimerChangeSchema(Schema):
    element_id = fields.String(required=True)
    before = fields.String(allow_none=True, required=True)
    after = fields.String(allow_none=True, required=True)


class CaseMigrationSchema(Schema):
    reference = fields.String(required=True)
    outcome = fields.String(required=True, metadata={"enum": list(OUTCOMES)})
    source = fields.Integer(data_key="from", allow_none=True, required=True)
    target = fields.Integer(data_key="to", allow_none=True, required=True)
    reasons = fields.List(fields.String(), required=True)
    problems = fields.List(
        fields.Dict(),
        required=True,
        metadata={"description": "the reasons as {code, message, params}, for translating them"},
    )
    moves = fields.List(fields.Nested(MoveSchema), required=True)
    tasks = fields.List(fields.Nested(CarriedTaskSchema), required=True)
    timers = fields.List(fields.Nested(TimerChangeSchema), required=True)
    defaults = fields.List(fields.String(), required=True)


class MigrationReportSchema(Schema):
    process_id = fields.String(required=True)
    to = fields.Integer(required=True)
    from_ = fields.Integer(data_key="from", attribute="from", allow_none=True, required=True)
    dry_run = fields.Boolean(required=True)
    mapping = fields.Dict(required=True)
    defaults = fields.Dict(required=True)
    timers = fields.String(required=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    cases = fields.List(fields.Nested(CaseMigrationSchema), required=True)
