"""How a view calls the engine: as the authenticated caller, in one unit of work."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import request

from engine import Actor
from engine.errors import InvalidInput
from engine.store.uow import UnitOfWork

from ..auth import current_actor, engine

T = TypeVar("T")
IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": False,
    "description": 'the case\'s lock_version you saw, e.g. "3" (409 if it changed since)',
    "schema": {"type": "string", "pattern": '^(W/)?"?[0-9]{1,9}"?$'},
}


def call(use_case: Callable[[UnitOfWork, Actor], T], *, write: bool = True) -> T:
    """Run one use case (or read model) as the caller; commands commit inside it."""
    with engine().uow(write=write) as uow:
        return use_case(uow, current_actor(uow))  # one session per request, auth included


def read(view: Callable[[UnitOfWork, Actor], T]) -> T:
    """Run a read model as the caller."""
    return call(view, write=False)


def expected_version(body: dict[str, Any]) -> int | None:
    """The case version the client saw: `If-Match: <n>` (ETag style) or `expected_version`."""
    header = request.headers.get("If-Match")
    if header is None:
        value: int | None = body.get("expected_version")
        return value
    raw = header.strip().removeprefix("W/").strip('"')
    if not raw.isdigit() or len(raw) > 9:
        raise InvalidInput(
            'If-Match must be the case\'s lock_version, e.g. If-Match: "3"',
            [{"field": "If-Match", "location": "headers", "message": "not a version"}],
        )
    return int(raw)


def filters(args: dict[str, Any], kind: type[T]) -> T:
    """A filter dataclass from parsed query arguments (cursor and limit excluded)."""
    return kind(**{k: v for k, v in args.items() if k not in ("cursor", "limit")})
