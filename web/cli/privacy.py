"""`percorsi retention run`, `percorsi rectify`: the data-protection duties from the server."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from engine.commands.rectification import rectify_answer
from engine.commands.retention import RetentionReport, run_retention
from engine.reads.subjects import subject_record
from engine.store.tables import utcnow
from web.cli.common import Context, emit, parse_json, parse_now, pass_ctx, reported, run_as


@click.group()
def retention() -> None:
    """Retention periods: anonymising closed cases once theirs is over."""


@retention.command("run")
@click.option("--dry-run", is_flag=True, help="Only list the cases that would be anonymised.")
@click.option("--now", default=None, help="As if it were this ISO time.")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def retention_run(ctx: Context, dry_run: bool, now: str | None, as_json: bool) -> None:
    """Anonymise the closed cases past their retention period (identity and free text go;
    coded answers, dates and the audit chain stay). Exit code 1 if any case failed."""
    moment = parse_now(now) or utcnow()
    with reported():
        report = run_retention(ctx.engine, moment, dry_run=dry_run)
    emit(_as_dict(report, dry_run), as_json, lambda: _text(report, dry_run))
    sys.exit(1 if report.failed else 0)


def _as_dict(report: RetentionReport, dry_run: bool) -> dict[str, object]:
    return {
        "now": report.now.isoformat(),
        "dry_run": dry_run,
        "expired": [e.as_dict() for e in report.expired],
        "anonymized": report.anonymized,
        "failed": [{"case": ref, "error": error} for ref, error in report.failed],
    }


def _text(report: RetentionReport, dry_run: bool) -> str:
    if not report.expired:
        return f"no closed case is past its retention period as of {report.now:%Y-%m-%d %H:%M} UTC"
    lines = [
        f"{len(report.expired)} closed case(s) past their retention period as of "
        f"{report.now:%Y-%m-%d %H:%M} UTC:"
    ]
    for e in report.expired:
        lines.append(
            f"  {e.reference:<16} {e.process_id:<24} closed {e.closed_at:%Y-%m-%d}  "
            f"period {e.period:<6} expired {e.expired_at:%Y-%m-%d}"
        )
    if dry_run:
        lines.append("dry run: nothing was changed")
    else:
        lines.append(f"{len(report.anonymized)} case(s) anonymised")
        lines.extend(f"  FAILED {ref}: {error}" for ref, error in report.failed)
    return "\n".join(lines)


@click.command("rectify")
@click.argument("task_id", type=int)
@click.option("--data", required=True, help="The corrected fields, as a JSON object.")
@click.option("--reason", required=True, help="Why the answer is corrected (audited).")
@click.option("--as", "username", default=None, help="Act as this user (a case manager).")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def rectify(
    ctx: Context, task_id: int, data: str, reason: str, username: str | None, as_json: bool
) -> None:
    """Correct answers of a completed task (rettifica); the original stays in the audit trail."""
    corrected = parse_json(data)
    with reported():
        task = run_as(
            ctx, username, lambda uow, a: rectify_answer(uow, task_id, corrected, reason, a)
        )
    emit(
        {"task_id": task.id, "data": task.data},
        as_json,
        lambda: f"task {task.id} ({task.name}) corrected: {', '.join(sorted(corrected))}",
    )


@click.group()
def subject() -> None:
    """The rights of the person a case is about."""


@subject.command("export")
@click.argument("tax_code")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file (default: standard output).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["html", "json"]), default="html", show_default=True
)
@click.option("--lang", type=click.Choice(["it", "en"]), default="it", show_default=True)
@click.option("--as", "username", default=None, help="Act as this user (recorded).")
@pass_ctx
def subject_export(
    ctx: Context, tax_code: str, output: Path | None, fmt: str, lang: str, username: str | None
) -> None:
    """Everything held about the person with TAX_CODE (GDPR art. 15), as one HTML page to
    print (or JSON); the export is recorded on each of the person's cases."""
    from web.app import create_app  # the page is drawn with the web app's templates
    from web.subjects import export_json, render_export

    with reported():
        found = run_as(ctx, username, lambda uow, a: subject_record(uow, a, tax_code, fmt))
    if fmt == "json":
        text = json.dumps(export_json(found), indent=2, default=str, ensure_ascii=False)
    else:
        from flask_babel import force_locale

        app = create_app(engine=ctx.engine)
        with app.test_request_context(), force_locale(lang):
            text = render_export(found)
    if output is None:
        click.echo(text)
        return
    output.write_text(text, encoding="utf-8")
    click.echo(f"{len(found.cases)} case(s) exported to {output}", err=True)


COMMANDS = (retention, rectify, subject)
