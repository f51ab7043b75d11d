"""`percorsi absence set|end|list`: absences and the substitutes who stand in."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from engine.commands.absences import AbsenceRequest, end_absence, set_absence
from engine.reads.absences import describe_absence, list_absences
from web.cli.common import Context, emit, fail, pass_ctx, reported, run_as


@click.group()
def absence() -> None:
    """Absences: while a user is away, her assigned tasks are her substitute's."""


def _date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{option} {text!r} is not a date such as 2026-07-01")
    raise AssertionError  # fail() exits


@absence.command("set")
@click.argument("username")
@click.option("--from", "starts_on", required=True, metavar="DATE", help="First day away.")
@click.option("--to", "ends_on", required=True, metavar="DATE", help="Last day away.")
@click.option("--substitute", required=True, metavar="USER", help="Who stands in.")
@click.option("--note", default="")
@click.option("--as", "username_as", default=None, help="Act as this user (default: system).")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def absence_set(
    ctx: Context,
    username: str,
    starts_on: str,
    ends_on: str,
    substitute: str,
    note: str,
    username_as: str | None,
    as_json: bool,
) -> None:
    """Record USERNAME's absence, both dates included; it starts at once if it starts today."""
    request = AbsenceRequest(_date(starts_on, "--from"), _date(ends_on, "--to"), substitute, note)
    with reported():
        view = run_as(
            ctx,
            username_as,
            lambda uow, a: describe_absence(uow, set_absence(uow, a, username, request)),
        )
    emit(view, as_json, lambda: _line(view))


@absence.command("end")
@click.argument("username")
@click.option("--as", "username_as", default=None, help="Act as this user (default: system).")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def absence_end(ctx: Context, username: str, username_as: str | None, as_json: bool) -> None:
    """End USERNAME's running absence now (her tasks go back), or cancel a planned one."""
    with reported():
        view = run_as(
            ctx, username_as, lambda uow, a: describe_absence(uow, end_absence(uow, a, username))
        )
    emit(view, as_json, lambda: _line(view))


@absence.command("list")
@click.option("--as", "username_as", default=None, help="Act as this user (default: system).")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def absence_list(ctx: Context, username_as: str | None, as_json: bool) -> None:
    """Running and planned absences."""
    with reported():
        rows = run_as(ctx, username_as, list_absences)
    emit(
        rows, as_json, lambda: "\n".join(_line(r) for r in rows) or "no running or planned absence"
    )


def _line(view: dict[str, Any]) -> str:
    return (
        f"{view['user']:<20} {view['from']} - {view['to']}  {view['status']:<9} "
        f"substitute {view['substitute']}"
    )


COMMANDS = (absence,)
