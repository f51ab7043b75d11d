"""`percorsi audit verify`: check the hash chains of the audit trails."""

from __future__ import annotations

import json
import sys

import click

from engine.reads.auditing import CaseChain, verify_all, verify_case
from web.cli.common import Context, pass_ctx, reported


@click.group()
def audit() -> None:
    """The audit trail of the cases."""


@audit.command("verify")
@click.option("--case", "reference", default=None, help="Check only this case.")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def audit_verify(ctx: Context, reference: str | None, as_json: bool) -> None:
    """Recompute every case's chain against its anchored head; exit code 1 on any break."""
    with reported(), ctx.engine.uow(write=False) as uow:
        chains = [verify_case(uow, reference)] if reference else verify_all(uow)
        summary = _Summary()
        for chain in chains:
            summary.add(chain)
            if not chain.check.ok and not as_json:
                click.echo(_broken_text(chain))
    if as_json:
        click.echo(json.dumps(summary.as_dict(), indent=2))
    else:
        click.echo(summary.text())
    sys.exit(0 if not summary.broken else 1)


class _Summary:
    """Counts over the checked chains; keeps the broken ones."""

    def __init__(self) -> None:
        self.cases = self.events = self.redacted = 0
        self.broken: list[CaseChain] = []

    def add(self, chain: CaseChain) -> None:
        self.cases += 1
        self.events += chain.check.checked
        self.redacted += chain.check.redacted
        if not chain.check.ok:
            self.broken.append(chain)

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": not self.broken,
            "cases": self.cases,
            "events": self.events,
            "redacted": self.redacted,
            "broken": [c.as_dict() for c in self.broken],
        }

    def text(self) -> str:
        counted = f"{self.cases} case(s), {self.events} event(s) checked"
        if self.redacted:
            counted += f", {self.redacted} payload(s) replaced by recorded redactions"
        if not self.broken:
            return f"{counted}: every audit chain verifies"
        return f"{counted}: {len(self.broken)} case(s) do NOT verify"


def _broken_text(chain: CaseChain) -> str:
    check = chain.check
    return (
        f"{chain.reference}: broken at event {check.broken_at}: {check.reason} "
        f"({check.checked} event(s) before it verify)"
    )


COMMANDS = (audit,)
