"""Marshmallow fields the API's schemas share."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from marshmallow import ValidationError, fields, validate


class Moment(fields.AwareDateTime):
    """An ISO 8601 date-time; without an offset it is read as UTC, and it is kept in UTC."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(default_timezone=UTC, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            return moment.astimezone(UTC)
        except OverflowError as exc:
            raise ValidationError("Date-time out of range.") from exc


def text(size: int = 200, *, required: bool = False, **kwargs: Any) -> fields.String:
    """A string of at most `size` characters (what its column holds)."""
    return fields.String(
        required=required, validate=validate.Length(min=1 if required else 0, max=size), **kwargs
    )


def page_limit() -> fields.Integer:
    return fields.Integer(
        load_default=50,
        validate=validate.Range(min=1, max=200),
        metadata={"description": "page size (1-200)"},
    )


def cursor() -> fields.String:
    return fields.String(
        validate=validate.Length(max=500),
        metadata={"description": "next_cursor of the previous page"},
    )


class StrictBoolean(fields.Boolean):
    """A JSON boolean: true or false only (not 0, 1, "yes" or "on", which a schema refuses)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):  # 0 == False: a set lookup would take it
            raise self.make_error("invalid", input=value)
        return value
