"""`percorsi backup` and `percorsi restore`: a consistent copy of the database, and back."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from engine.reads.auditing import verify_all
from engine.scheduling.lease import NAME, WEB_NAME, current_lease
from engine.store.backups import backup, restore
from engine.store.schema import current, upgrade
from web.cli.common import Context, fail, pass_ctx, reported


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_ctx
def backup_cmd(ctx: Context, file: Path) -> None:
    """Write a consistent copy of the database to FILE, while Percorsi runs."""
    with reported():
        revision = current(ctx.engine.db)
        made = backup(ctx.engine.settings.database_url, file)
    click.echo(f"backup written: {made.path} ({made.kind}, {made.size:,} bytes, schema {revision})")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_ctx
def restore_cmd(ctx: Context, file: Path, yes: bool) -> None:
    """Replace the database with the backup FILE (Percorsi stopped), then bring it up to date
    and check every audit chain; the current database is kept beside it first."""
    with reported():
        _refuse_while_running(ctx)
        target = ctx.engine.db.url.render_as_string(hide_password=True)
        if not yes:
            click.confirm(f"Replace the database {target} with {file}?", abort=True, err=True)
        ctx.engine.dispose()  # no idle connection of ours in the way of the restore
        done = restore(ctx.engine.settings.database_url, file)
        restored = current(ctx.engine.db)
        upgrade(ctx.engine.db)
    click.echo(f"restored {file} into {target} (schema {restored}, now {current(ctx.engine.db)})")
    click.echo(f"the database as it was is kept in {done.kept}")
    with ctx.engine.uow(write=False) as uow:
        chains = list(verify_all(uow))
    broken = [c for c in chains if not c.check.ok]
    for chain in broken:
        click.echo(
            f"{chain.reference}: audit chain broken at event {chain.check.broken_at}: "
            f"{chain.check.reason}"
        )
    verdict = "every audit chain verifies" if not broken else f"{len(broken)} do NOT verify"
    click.echo(f"audit: {len(chains)} case(s) checked, {verdict}")
    sys.exit(1 if broken else 0)


def _refuse_while_running(ctx: Context) -> None:
    """A scheduler lease held by a live process means Percorsi is running: stop it first."""
    with ctx.engine.uow(write=False) as uow:
        leases = [current_lease(uow, name) for name in (NAME, WEB_NAME)]
    for lease in leases:
        if lease is not None and lease.expires_at > ctx.engine.clock():
            fail(
                f"Percorsi is running (the scheduler of {lease.holder} renewed its lease at "
                f"{lease.heartbeat_at:%H:%M:%S} UTC): stop the web server and the schedulers, "
                "then restore"
            )


COMMANDS = (backup_cmd, restore_cmd)
