"""Cursor pagination: opaque cursors over (sort key, id), stable under inserts."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from engine.errors import InvalidInput

T = TypeVar("T")
MAX_LIMIT = 200
MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results and the cursor of the next, if any."""

    items: list[T] = field(default_factory=list)
    next_cursor: str | None = None


class BoundedCount(int):
    """A count that stops at a cap, so that counting never reads everything: 100 reads "99+"."""

    cap: int

    def __new__(cls, value: int, cap: int) -> BoundedCount:
        count = super().__new__(cls, min(value, cap))
        count.cap = cap
        return count

    @property
    def more(self) -> bool:
        """True when there may be more than the cap."""
        return int(self) >= self.cap

    def __str__(self) -> str:
        return f"{self.cap - 1}+" if self.more else int.__str__(self)


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, default=str, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> list[Any] | None:
    """The values a cursor stands for; InvalidInput if it was not made by us."""
    if not cursor:
        return None
    if len(cursor) > 500:
        raise InvalidInput("invalid cursor", [{"field": "cursor", "message": "not a cursor"}])
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            "invalid cursor", [{"field": "cursor", "message": "not a cursor"}]
        ) from exc
    if not isinstance(values, list) or len(values) != 2 or len(cursor) > 500:
        raise InvalidInput("invalid cursor", [{"field": "cursor", "message": "not a cursor"}])
    return values


def cursor_key(cursor: str | None, parse: Callable[[Any], T]) -> tuple[T, int] | None:
    """The (sort value, id) a cursor stands for, parsed; InvalidInput for a forged cursor."""
    values = decode_cursor(cursor)
    if values is None:
        return None
    try:
        if isinstance(values[1], bool) or not isinstance(values[1], int):
            raise ValueError("id")
        if not -MAX_ID <= values[1] <= MAX_ID:  # a database integer compares with 64 bits
            raise ValueError("id out of range")
        return parse(values[0]), values[1]
    except (TypeError, ValueError, OverflowError) as exc:
        raise InvalidInput(
            "invalid cursor", [{"field": "cursor", "message": "not a cursor"}]
        ) from exc


def _whole(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_ID:
        raise ValueError("not an id")
    return value


def id_cursor(last: int) -> str:
    """The cursor of a list in id order (or in a case's sequence), after `last`."""
    return encode_cursor([0, last])


def cursor_id(cursor: str | None) -> int | None:
    """The id an `id_cursor` stands for; InvalidInput for a forged cursor."""
    key = cursor_key(cursor, _whole)
    return None if key is None else key[1]


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(
            f"limit must be between 1 and {MAX_LIMIT}",
            [{"field": "limit", "message": "out of range"}],
        )
    return limit


@dataclass(frozen=True)
class Beside:
    """A scalar subquery read in the counts' statement (a page header's unread notifications):
    `column` is built once, its values bound by name; `params` are this request's values. One
    `name` stands for one column."""

    name: str
    column: Any = field(compare=False)
    params: dict[str, Any] = field(default_factory=dict, compare=False)
