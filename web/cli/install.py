"""`percorsi init`, `seed`, `deploy`, `demo` and `serve`: setting up an installation, serving it."""

from __future__ import annotations

import time
from pathlib import Path

import click

from engine import Settings
from engine.commands.deployment import deploy_model
from engine.store.db import connect
from engine.store.schema import current, head, upgrade
from web.cli.common import Context, emit, fail, pass_ctx, reported, run_as
from web.composition import bundled_files
from workflows.demo import DemoReport, create_demo, is_empty
from workflows.demo_people import DEMO_PASSWORD, DEMO_USERS
from workflows.seed import seed_network


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


@click.command()
@pass_ctx
def init(ctx: Context) -> None:
    """Create or upgrade the database."""
    with reported():
        upgrade(ctx.engine.db)
    click.echo(f"database ready: {ctx.engine.db.url.render_as_string(hide_password=True)}")


@click.command()
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


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, type=click.IntRange(1, 65535), show_default=True)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Worker processes [PERCORSI_WORKERS, 1].",
)
@click.option(
    "--threads",
    type=click.IntRange(1, 256),
    default=None,
    help="Threads per worker [PERCORSI_THREADS, 8].",
)
@click.option(
    "--no-scheduler",
    "no_scheduler",
    is_flag=True,
    help="Do not embed the scheduler (when `percorsi scheduler` runs beside).",
)
def serve(
    host: str, port: int, workers: int | None, threads: int | None, no_scheduler: bool
) -> None:
    """Serve the web app with gunicorn, the scheduler embedded (one worker runs it)."""
    from web.server import ServeOptions
    from web.server import serve as run_server

    with reported():
        settings = Settings.from_env()
        _require_current_schema(settings)
        options = ServeOptions(
            host=host,
            port=port,
            workers=workers or settings.workers,
            threads=threads or settings.threads,
            scheduler=not no_scheduler,
        )
        click.echo(
            f"serving on http://{host}:{port} with {options.workers} worker(s) x "
            f"{options.threads} thread(s), scheduler "
            f"{'embedded' if options.scheduler else 'not embedded'}",
            err=True,
        )
        run_server(settings, options, lambda text: click.echo(f"warning: {text}", err=True))


def _require_current_schema(settings: Settings) -> None:
    """Refuse to serve a database that `percorsi init` has not brought up to date."""
    db = connect(settings.database_url)
    try:
        found = current(db)
    finally:
        db.dispose()  # no connection may cross the workers' fork
    if found != head():
        where = f"revision {found}" if found else "not initialised"
        fail(f"the database is {where}, this Percorsi needs {head()}: run `percorsi init` first")


COMMANDS = (init, seed, deploy, demo, serve)
