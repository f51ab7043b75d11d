"""`percorsi start`, `tasks`, `claim`, `complete`, `case`, `fire-timers`: cases from the shell."""

from __future__ import annotations

from typing import Any

import click

from engine.commands.cases import start_case
from engine.commands.tasks import claim_task, complete_task
from engine.reads.queries import case_view, find_case, open_tasks
from engine.scheduling.timers import fire_due_timers
from web.cli.common import Context, emit, parse_json, parse_now, pass_ctx, reported, run_as


@click.command()
@click.argument("process_id")
@click.option("--data", default=None, help="Case data as a JSON object.")
@click.option("--org", "organization", default=None, help="Referring organisation code.")
@click.option("--as", "username", default=None)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def start(
    ctx: Context,
    process_id: str,
    data: str | None,
    organization: str | None,
    username: str | None,
    as_json: bool,
) -> None:
    """Start a case; prints its reference."""
    values = parse_json(data)
    with reported():
        outcome = run_as(
            ctx,
            username,
            lambda uow, a: start_case(uow, process_id, values, a, organization=organization),
        )
    case = outcome.case
    emit(
        {
            "reference": case.reference,
            "status": case.status,
            "tasks": [t.id for t in outcome.emitted],
        },
        as_json,
        lambda: case.reference,
    )


@click.command()
@click.option("--case", "reference", default=None)
@click.option("--group", default=None)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def tasks(ctx: Context, reference: str | None, group: str | None, as_json: bool) -> None:
    """List open human tasks."""
    with reported(), ctx.engine.uow(write=False) as uow:
        rows = open_tasks(uow, case_reference=reference, group=group)
    emit([r.as_dict() for r in rows], as_json, lambda: _task_table(rows))


def _task_table(rows: list[Any]) -> str:
    if not rows:
        return "no open tasks"
    lines = [f"{'ID':>6}  {'CASE':<15} {'ELEMENT':<28} {'GROUPS':<24} DUE"]
    for r in rows:
        due = r.due_at.strftime("%Y-%m-%d %H:%M") if r.due_at else "-"
        lines.append(
            f"{r.id:>6}  {r.case_reference:<15} {r.element_id[:28]:<28} "
            f"{','.join(r.candidate_groups)[:24]:<24} {due}"
        )
    return "\n".join(lines)


@click.command()
@click.argument("task_id", type=int)
@click.option("--as", "username", required=True)
@pass_ctx
def claim(ctx: Context, task_id: int, username: str) -> None:
    """Claim a task for a user."""
    with reported():
        task = run_as(ctx, username, lambda uow, a: claim_task(uow, task_id, a))
    click.echo(f"task {task.id} claimed by {username}")


@click.command()
@click.argument("task_id", type=int)
@click.option("--data", default=None)
@click.option("--as", "username", default=None)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def complete(
    ctx: Context, task_id: int, data: str | None, username: str | None, as_json: bool
) -> None:
    """Complete a task with its form data."""
    values = parse_json(data)
    with reported():
        outcome = run_as(ctx, username, lambda uow, a: complete_task(uow, task_id, values, a))
    result = {
        "case": outcome.case.reference,
        "status": outcome.case.status,
        "emitted": [
            {"id": t.id, "element_id": t.element_id, "name": t.name} for t in outcome.emitted
        ],
        "incident": outcome.incident.error if outcome.incident else None,
    }
    emit(
        result,
        as_json,
        lambda: (
            f"task {task_id} completed; case {result['case']} is {result['status']}"
            + (f"; incident: {result['incident']}" if result["incident"] else "")
        ),
    )


@click.command("case")
@click.argument("reference")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def case_cmd(ctx: Context, reference: str, as_json: bool) -> None:
    """Show a case: status, open tasks, incidents, history."""
    with reported(), ctx.engine.uow(write=False) as uow:
        find_case(uow, reference)
        view = case_view(uow, reference)
    emit(view, as_json, lambda: _case_text(view))


def _case_text(view: dict[str, Any]) -> str:
    lines = [
        f"{view['reference']}  {view['process_id']} v{view['version']}  {view['status']}  "
        f"subject {view['subject']}",
        f"opened {view['opened_at']}"
        + (f", closed {view['closed_at']}" if view["closed_at"] else ""),
        "open tasks:" if view["open_tasks"] else "open tasks: none",
    ]
    lines += [
        f"  {t['id']}: {t['name']} [{','.join(t['candidate_groups'])}] due {t['due_at']}"
        for t in view["open_tasks"]
    ]
    lines += [
        f"incident {i['id']} at {i['element_id']}: {i['error']}"
        for i in view["incidents"]
        if not i["resolved_at"]
    ]
    lines.append("history:")
    lines += [
        f"  {h['at']}  {h['actor']:<12} {h['kind']} {h['element_id'] or ''}"
        for h in view["history"]
    ]
    return "\n".join(lines)


@click.command("fire-timers")
@click.option("--now", default=None, help="Act as if it were this ISO time.")
@pass_ctx
def fire_timers(ctx: Context, now: str | None) -> None:
    """Fire the BPMN timers that are due."""
    moment = parse_now(now)
    with reported():
        fired = fire_due_timers(ctx.engine, moment)
    click.echo(f"{fired} case(s) woken")


COMMANDS = (start, tasks, claim, complete, case_cmd, fire_timers)
