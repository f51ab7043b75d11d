"""The `percorsi` command line: an administrator's tool run on the server.

Each module holds a few subcommands and imports only `common`; this one gathers them.
"""

from __future__ import annotations

import click

from web.cli import (
    absences,
    accounts,
    audit,
    backups,
    cases,
    install,
    migrations,
    ownership,
    privacy,
    scheduler,
)
from web.cli.common import Context


@click.group()
@click.pass_context
def main(click_ctx: click.Context) -> None:
    """Percorsi: BPMN referral pathways of the active-inclusion network."""
    click_ctx.call_on_close(click_ctx.ensure_object(Context).close)


for _module in (
    install,
    cases,
    ownership,
    accounts,
    scheduler,
    migrations,
    absences,
    audit,
    backups,
    privacy,
):
    for _command in _module.COMMANDS:
        main.add_command(_command)
