"""Marshmallow schemas of absences."""

from __future__ import annotations

from marshmallow import Schema, fields

from .fields import text


class AbsenceInSchema(Schema):
    """From one day to another, both included, in the network's time zone (Europe/Rome)."""

    starts_on = fields.Date(data_key="from", required=True, metadata={"example": "2026-07-01"})
    ends_on = fields.Date(data_key="to", required=True, metadata={"example": "2026-07-31"})
    substitute = text(80, required=True, metadata={"description": "the colleague's username"})
    note = text(500, load_default="")


class AbsenceSchema(Schema):
    id = fields.Integer(required=True)
    user = fields.String(required=True)
    substitute = fields.String(required=True)
    from_ = fields.Date(data_key="from", attribute="from", required=True)
    to = fields.Date(required=True)
    status = fields.String(
        required=True, metadata={"enum": ["planned", "active", "ended", "cancelled"]}
    )
    note = fields.String(required=True)
    created_by = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)
    started_at = fields.DateTime(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)


class AbsenceListSchema(Schema):
    items = fields.List(fields.Nested(AbsenceSchema), required=True)
