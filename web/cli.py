"""The `percorsi` command line: an administrator's tool run on the server."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from engine import Actor, Engine, Settings
from engine.accounts import load_actor
from engine.cases import start_case
from engine.deployment import deploy_model
from engine.errors import EngineError, InvalidInput
from engine.queries import case_view, find_case, open_tasks
from engine.schema import upgrade
from engine.tasks import claim_task, complete_task
from engine.timers import fire_due_timers
from engine.uow import UnitOfWork

from .composition import build_engine, bundled_files

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


@click.group()
@click.pass_context
def main(click_ctx: click.Context) -> None:
    """Percorsi: BPMN referral pathways of the active-inclusion network."""
    click_ctx.call_on_close(click_ctx.ensure_object(Context).close)


@main.command()
@pass_ctx
def init(ctx: Context) -> None:
    """Create or upgrade the database."""
    with reported():
        upgrade(ctx.engine.db)
    click.echo(f"database ready: {ctx.engine.db.url.render_as_string(hide_password=True)}")


@main.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--bundled", is_flag=True, help="Deploy the models bundled in bpmn/.")
@click.option("--dry-run", is_flag=True, help="Only validate.")
@click.option("--as", "username", default=None, help="Act as this user.")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def deploy(
    ctx: Context,
    files: tuple[Path, ...],
    bundled: bool,
    dry_run: bool,
    username: str | None,
    as_json: bool,
) -> None:
    """Validate and deploy BPMN, DMN and form files as new versions."""
    payload = bundled_files() if bundled else {}
    for path in files:
        if not path.is_file():
            fail(f"{path}: no such file")
        payload[path.name] = path.read_bytes()
    if not payload:
        if bundled:
            click.echo("no bundled models to deploy")
            return
        fail("name at least one .bpmn, .dmn or form .json file")
    with reported():
        result = run_as(
            ctx, username, lambda uow, a: deploy_model(uow, payload, a, dry_run=dry_run)
        )
    rows = [r.__dict__ for r in result]
    emit(
        rows,
        as_json,
        lambda: "\n".join(
            f"{r.process_id} v{r.number}{'' if r.created else ' (unchanged)'}"
            if not dry_run
            else f"{r.process_id}: valid"
            for r in result
        ),
    )


@main.command()
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


@main.command()
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


@main.command()
@click.argument("task_id", type=int)
@click.option("--as", "username", required=True)
@pass_ctx
def claim(ctx: Context, task_id: int, username: str) -> None:
    """Claim a task for a user."""
    with reported():
        task = run_as(ctx, username, lambda uow, a: claim_task(uow, task_id, a))
    click.echo(f"task {task.id} claimed by {username}")


@main.command()
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


@main.command("case")
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
        f"{view['reference']}  {view['process_id']}  {view['status']}  subject {view['subject']}",
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


@main.command("fire-timers")
@click.option("--now", default=None, help="Act as if it were this ISO time.")
@pass_ctx
def fire_timers(ctx: Context, now: str | None) -> None:
    """Fire the BPMN timers that are due."""
    moment = parse_now(now)
    with reported():
        fired = fire_due_timers(ctx.engine, moment)
    click.echo(f"{fired} case(s) woken")


@main.command()
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@pass_ctx
def serve(ctx: Context, host: str, port: int) -> None:
    """Serve the web app, with the scheduler in the same process."""
    from .app import create_app

    app = create_app(engine=ctx.engine, start_scheduler=True)
    app.run(host=host, port=port, threaded=True, use_reloader=False)


# Command groups live in their own modules; they import this one's helpers. The account and
# token commands register themselves when imported.
from . import cli_accounts  # noqa: E402, F401
from .cli_network import demo, seed  # noqa: E402
from .cli_scheduler import COMMANDS  # noqa: E402

for _command in (*COMMANDS, seed, demo):
    main.add_command(_command)
