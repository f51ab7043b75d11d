"""`percorsi seed` and `percorsi demo`: the network's organisations, and a living demo."""

from __future__ import annotations

import time

import click

from workflows.demo import DemoReport, create_demo, is_empty
from workflows.demo_people import DEMO_PASSWORD, DEMO_USERS
from workflows.seed import seed_network

from .cli import Context, reported

pass_ctx = click.make_pass_decorator(Context, ensure=True)


@click.command()
@pass_ctx
def seed(ctx: Context) -> None:
    """Create or update the network's organisations (idempotent)."""
    with reported(), ctx.engine.uow() as uow:
        seeded = seed_network(uow)
    click.echo(f"{len(seeded.organizations)} organisations: {', '.join(seeded.organizations)}")
    click.echo(f"roles: {', '.join(seeded.roles)}")


@click.command()
@click.option("--cases", default=60, show_default=True, type=click.IntRange(0, 100_000))
@click.option("--force", is_flag=True, help="Add demo cases even if the demo exists.")
@click.option("--if-empty", is_flag=True, help="Do nothing unless the database is empty.")
@pass_ctx
def demo(ctx: Context, cases: int, force: bool, if_empty: bool) -> None:
    """Create demo users (invented names) and CASES simulated cases (fixed random seed)."""
    if if_empty and not is_empty(ctx.engine):
        click.echo("demo skipped: the database is not empty")
        return
    began = time.perf_counter()
    with reported():
        report = create_demo(ctx.engine, cases, force=force)
    _print_report(report, time.perf_counter() - began)


def _print_report(report: DemoReport, seconds: float) -> None:
    click.echo(f"{len(report.cases)} demo cases created in {seconds:.1f} s")
    if report.users_created:
        click.echo(f"demo users (password for all: {DEMO_PASSWORD}):")
        for username, full_name, memberships in DEMO_USERS:
            if username in report.users_created:
                roles = ", ".join(f"{role}@{org}" for org, role in memberships)
                click.echo(f"  {username:<20} {full_name:<20} {roles}")
