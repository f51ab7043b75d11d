"""What every `percorsi` subcommand shares: the lazily built engine, errors as exit code 2,
running a use case as a user, and printing text or JSON."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

import click

from engine import Actor, Engine, Settings
from engine.commands.accounts import load_actor
from engine.errors import EngineError, InvalidInput
from engine.store.uow import UnitOfWork
from web.composition import build_engine

T = TypeVar("T")


class Context:
    """Lazily built engine shared by the subcommands of one invocation."""

    def __init__(self) -> None:
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = build_engine(Settings.from_env())
            # close pooled connections when the command ends (in-process runners, tests)
            click.get_current_context().call_on_close(self._engine.dispose)
        return self._engine

    def close(self) -> None:
        """Close the engine's pooled connections (PostgreSQL warns about abandoned ones)."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


pass_ctx = click.make_pass_decorator(Context, ensure=True)


def fail(message: str, problems: list[dict[str, Any]] | None = None) -> None:
    """Print an error naming the problem, and exit non-zero."""
    click.echo(f"error: {message}", err=True)
    for p in problems or []:
        where = ":".join(str(p[k]) for k in ("file", "line", "element_id", "field") if p.get(k))
        click.echo(f"  - {where + ': ' if where else ''}{p.get('message', '')}", err=True)
    sys.exit(2)


@contextmanager
def reported() -> Iterator[None]:
    """Turn engine errors into a clear message on stderr and exit code 2."""
    try:
        yield
    except InvalidInput as exc:
        fail(exc.detail, exc.problems)
    except EngineError as exc:
        fail(exc.detail)


def run_as(ctx: Context, username: str | None, action: Callable[[UnitOfWork, Actor], T]) -> T:
    """Run one use case in a unit of work, as USER or as the system administrator."""
    with ctx.engine.uow() as uow:
        actor = load_actor(uow, username)
        return action(uow, actor)


def parse_json(text: str | None, what: str = "--data") -> dict[str, Any]:
    if text is None:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"{what} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")
    if not isinstance(value, dict):
        fail(f"{what} must be a JSON object")
    return value  # type: ignore[no-any-return]


def parse_now(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        fail(f"--now {text!r} is not an ISO 8601 date-time such as 2026-12-01T09:00:00Z")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def emit(data: Any, as_json: bool, text: Callable[[], str]) -> None:
    click.echo(json.dumps(data, indent=2, default=str) if as_json else text())
