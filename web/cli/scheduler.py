"""`percorsi scheduler`, `tick`, `escalations` and `outbox`: running and watching the scheduler."""

from __future__ import annotations

import signal
import threading
from typing import Any

import click

from engine.errors import SchedulerBusy
from engine.notices.outbox import OutboxRow, outbox_rows, retry_failed
from engine.reads.overdue import OverdueTask, overdue_tasks
from engine.scheduling.duties import TickReport, tick
from engine.scheduling.scheduler import Scheduler
from web.cli.common import Context, emit, fail, parse_now, pass_ctx, reported
from web.logs import configure_logging
from web.metrics import serve_metrics
from web.telemetry import Telemetry


@click.command("scheduler")
@click.option(
    "--metrics-port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Serve this process's metrics (Prometheus) on this port.",
)
@click.option("--metrics-host", default="127.0.0.1", show_default=True)
@pass_ctx
def scheduler_cmd(ctx: Context, metrics_port: int | None, metrics_host: str) -> None:
    """Run the scheduler alone (production); stops on Ctrl-C or SIGTERM."""
    with reported():
        configure_logging(ctx.engine.settings)
    telemetry = Telemetry()
    ctx.engine.observer = telemetry
    scheduler = Scheduler(ctx.engine)
    try:
        scheduler.start()
    except SchedulerBusy as exc:
        fail(exc.detail)
    if metrics_port is not None:
        serve_metrics(telemetry.metrics, metrics_host, metrics_port)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    click.echo(f"scheduler running as {scheduler.holder}; Ctrl-C to stop")
    while not stop.wait(1.0):
        if not scheduler.alive:
            fail("the scheduler stopped (see the log)")
    scheduler.stop()
    click.echo("scheduler stopped")


@click.command("tick")
@click.option("--now", default=None, help="Act as if it were this ISO time.")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def tick_cmd(ctx: Context, now: str | None, as_json: bool) -> None:
    """One pass of everything the scheduler does: timers, escalations, notifications."""
    moment = parse_now(now)
    with reported():
        report = tick(ctx.engine, moment)
    emit(report.as_dict(), as_json, lambda: _tick_text(report))


def _tick_text(report: TickReport) -> str:
    d = report.delivery
    text = (
        f"as of {report.now.isoformat()}: {report.timers} case(s) woken by timers, "
        f"{report.escalations} escalation step(s), {d.in_app} in-app and {d.emailed} e-mail "
        f"notification(s) delivered, {d.retried} to retry, {d.failed} failed"
    )
    return "\n".join([text, *(f"  error: {e}" for e in d.errors)])


@click.command("escalations")
@click.option("--now", default=None, help="As if it were this ISO time.")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def escalations_cmd(ctx: Context, now: str | None, as_json: bool) -> None:
    """Open tasks past their due date, with their escalation level."""
    moment = parse_now(now)
    with reported(), ctx.engine.uow(write=False, now=moment) as uow:
        rows = overdue_tasks(uow)
    emit([r.as_dict() for r in rows], as_json, lambda: _overdue_text(rows))


def _overdue_text(rows: list[OverdueTask]) -> str:
    if not rows:
        return "no overdue tasks"
    lines = [f"{'ID':>6}  {'CASE':<15} {'TASK':<30} {'DUE':<16} {'LATE':>5}  LEVEL  NEXT"]
    for r in rows:
        nxt = (
            f"{r.next_action} at {r.next_escalation_at:%Y-%m-%d %H:%M}"
            if r.next_action and r.next_escalation_at
            else "-"
        )
        lines.append(
            f"{r.id:>6}  {r.case_reference:<15} {r.name[:30]:<30} {r.due_at:%Y-%m-%d %H:%M} "
            f"{r.days_overdue:>4}d  {r.level}/{r.steps}    {nxt}"
        )
    return "\n".join(lines)


@click.command("outbox")
@click.option("--failed", is_flag=True, help="Only notifications that gave up.")
@click.option("--retry-failed", "retry", is_flag=True, help="Queue the failed ones again.")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def outbox_cmd(ctx: Context, failed: bool, retry: bool, as_json: bool) -> None:
    """Notifications not yet delivered (pending and failed)."""
    if retry:
        with reported(), ctx.engine.uow() as uow:
            count = retry_failed(uow)
        click.echo(f"{count} failed notification(s) queued again")
        return
    with reported(), ctx.engine.uow(write=False) as uow:
        rows = outbox_rows(uow, failed=failed)
    emit([r.as_dict() for r in rows], as_json, lambda: _outbox_text(rows, failed))


def _outbox_text(rows: list[OutboxRow], failed: bool) -> str:
    if not rows:
        return "no failed notifications" if failed else "outbox empty: everything delivered"
    lines = [f"{'ID':>6}  {'KIND':<15} {'CHANNEL':<7} {'TO':<28} {'CASE':<15} TRIES  STATE"]
    for r in rows:
        state: Any = (
            f"failed {r.failed_at:%Y-%m-%d %H:%M}: {r.last_error or ''}"
            if r.failed_at
            else f"next {r.next_attempt_at:%Y-%m-%d %H:%M}"
            + (f" ({r.last_error})" if r.last_error else "")
        )
        lines.append(
            f"{r.id:>6}  {r.kind:<15} {r.channel:<7} {r.recipient[:28]:<28} "
            f"{r.case_reference or '-':<15} {r.attempts:>5}  {state}"
        )
    return "\n".join(lines)


COMMANDS = (scheduler_cmd, tick_cmd, escalations_cmd, outbox_cmd)
