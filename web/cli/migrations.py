"""`percorsi migrate`: move running cases of a process to another of its versions."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from engine.commands.accounts import load_actor
from engine.commands.migrations import MigrationReport, migrate_cases
from engine.rules.migration_plans import FAILED, REFUSED, MigrationPlan
from web.cli.common import Context, emit, fail, pass_ctx, reported

OUTCOME_WORDS = {
    "migrated": "moved",
    "can_migrate": "can move",
    "refused": "refused",
    "unchanged": "unchanged",
    "skipped": "skipped",
    "failed": "FAILED",
}


@click.command()
@click.argument("process_id")
@click.option("--to", "to", type=click.IntRange(1), required=True, help="Target version.")
@click.option("--from", "source", type=click.IntRange(1), default=None, help="Only this version.")
@click.option("--case", "cases", multiple=True, help="Only this case (repeat for more).")
@click.option(
    "--map",
    "mappings",
    multiple=True,
    metavar="OLD=NEW",
    help="Element OLD of the case's version goes to element NEW of the target "
    "(OLD= cancels a waiting boundary event).",
)
@click.option("--default", "defaults", multiple=True, metavar="NAME=JSON", help="Data default.")
@click.option(
    "--timers",
    type=click.Choice(["keep", "recompute"]),
    default="keep",
    show_default=True,
    help="Waiting timers keep their due time, or are computed again by the target version.",
)
@click.option("--dry-run", is_flag=True, help="Report what would happen; change nothing.")
@click.option("--as", "username", default=None, help="Act as this coordinator.")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def migrate(
    ctx: Context,
    process_id: str,
    to: int,
    source: int | None,
    cases: tuple[str, ...],
    mappings: tuple[str, ...],
    defaults: tuple[str, ...],
    timers: str,
    dry_run: bool,
    username: str | None,
    as_json: bool,
) -> None:
    """Move running cases of PROCESS_ID to version --to, each in its own transaction.

    Exits 1 when a case was refused or failed (the others moved), 2 on a bad plan."""
    plan = MigrationPlan(
        process_id,
        to,
        source,
        tuple(cases),
        dict(_pair(m, "--map", lambda v: v or None) for m in mappings),
        dict(_pair(d, "--default", _json) for d in defaults),
        timers,
    )
    with reported():
        with ctx.engine.uow(write=False) as uow:
            actor = load_actor(uow, username)
        report = migrate_cases(
            ctx.engine, actor, plan, dry_run=dry_run, progress=None if as_json else _progress
        )
    emit(report.as_dict(), as_json, lambda: _text(report))
    if report.counts.get(REFUSED) or report.counts.get(FAILED):
        sys.exit(1)


def _pair(text: str, option: str, convert: Any) -> tuple[str, Any]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        fail(f"{option} {text!r}: write NAME=VALUE")
    return name.strip(), convert(value.strip())


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text  # a bare word is a string: --default esito=in_corso


def _progress(done: int, total: int) -> None:
    if done % 500 == 0 or done == total:
        click.echo(f"... {done} of {total} cases", err=True)


def _moves(moves: list[dict[str, Any]]) -> str:
    """Where the case stands, once per element; elements that change are shown as A -> B."""
    parts: list[str] = []
    for move in moves:
        if move["to"] == move["from"]:
            part = move["from_name"]
        else:
            part = f"{move['from_name']} -> {move['to_name'] or 'cancelled'}"
        if part not in parts:
            parts.append(part)
    return "at " + ", ".join(parts) if parts else ""


def _text(report: MigrationReport) -> str:
    plan = report.plan
    source = f"version {plan.source}" if plan.source else "every other version"
    head = f"{plan.process_id}: {source} -> version {plan.to}" + (
        " (dry run: nothing changes)" if report.dry_run else ""
    )
    lines = [head]
    for case in report.cases:
        word = OUTCOME_WORDS.get(case.outcome, case.outcome)
        version = f"v{case.source}" if case.source else "-"
        detail = "; ".join(case.reasons) or _moves(case.moves)
        lines.append(f"{case.reference:<16} {version:<4} {word:<10} {detail}")
    counts = ", ".join(f"{n} {OUTCOME_WORDS.get(k, k)}" for k, n in sorted(report.counts.items()))
    lines.append(counts or "no running case to move")
    return "\n".join(lines)


COMMANDS = (migrate,)
