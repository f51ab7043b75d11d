"""Retention: closed cases past their period lose their identity and free text.

A pathway sets its period with the process property `retentionPeriod` (an ISO 8601 duration,
counted from the case's closure); without one, PERCORSI_RETENTION_PERIOD applies (P10Y). An
expired case is anonymised in one transaction: its subject's identity is deleted; its answers,
drafts and stored workflow keep only coded values (rules/anonymity.py); incident texts go; the
audit events carrying text are redacted through one recorded `redaction` event, so the hash
chain still verifies; a `case_anonymized` event says when and under which period. The case
row, its pseudonym, its dates, its tasks and their coded answers stay: the indicators keep
their history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update

from engine.actors import SYSTEM, Actor
from engine.commands.metering import metered
from engine.durations import is_duration, parse_duration
from engine.errors import CaseClosed, ConfigurationError, EngineError
from engine.rules.anonymity import StateScrubber, scrub_answers, scrub_event
from engine.rules.audit import record, redact
from engine.rules.progress import CANCELLED, COMPLETED
from engine.spiff.process_properties import process_retention
from engine.store.locking import lock_case
from engine.store.tables import (
    Case,
    CaseEvent,
    CaseSubject,
    HumanTask,
    Incident,
    Message,
    ProcessVersion,
)
from engine.store.uow import UnitOfWork

if TYPE_CHECKING:
    from engine.core import Engine

ANONYMIZED = "case_anonymized"
REMOVED = "(testo rimosso alla scadenza della conservazione)"
_PERIODS: dict[tuple[str, str], str | None] = {}  # (version sha256, process) -> its property


@dataclass(frozen=True)
class Expiry:
    """A closed case whose retention period is over."""

    case_id: int
    reference: str
    process_id: str
    closed_at: datetime
    period: str
    expired_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "case": self.reference,
            "process_id": self.process_id,
            "closed_at": self.closed_at.isoformat(),
            "retention_period": self.period,
            "expired_at": self.expired_at.isoformat(),
        }


@dataclass
class RetentionReport:
    now: datetime
    expired: list[Expiry]
    anonymized: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def default_period(uow: UnitOfWork) -> str:
    text = uow.settings.retention_period.strip().upper()
    if not is_duration(text) or parse_duration(text).negative:
        raise ConfigurationError(
            f"PERCORSI_RETENTION_PERIOD={uow.settings.retention_period!r} is not a positive "
            "ISO 8601 duration such as P10Y"
        )
    return text


def retention_period(uow: UnitOfWork, version_id: int, process_id: str) -> str:
    """The version's `retentionPeriod`, else the installation's default."""
    key = (uow.facts.version(uow.session, version_id).sha256, process_id)
    if key not in _PERIODS:  # versions are immutable: read once
        xml = uow.session.scalar(
            select(ProcessVersion.bpmn_xml).where(ProcessVersion.id == version_id)
        )
        try:
            _PERIODS[key] = process_retention(xml or "", process_id)
        except ValueError:  # refused at deploy since; an older version takes the default
            _PERIODS[key] = None
    return _PERIODS[key] or default_period(uow)


def expired_cases(uow: UnitOfWork, now: datetime) -> list[Expiry]:
    """Closed, not yet anonymised cases whose period ended by `now`, oldest closure first."""
    rows = uow.session.execute(
        select(Case.id, Case.reference, Case.process_id, Case.version_id, Case.closed_at)
        .where(
            Case.status.in_((COMPLETED, CANCELLED)),
            Case.closed_at.is_not(None),
            Case.anonymized_at.is_(None),
        )
        .order_by(Case.closed_at, Case.id)
    ).all()
    found = []
    for case_id, reference, process_id, version_id, closed_at in rows:
        if closed_at is None:  # excluded by the query; said again for the type checker
            continue
        period = retention_period(uow, version_id, process_id)
        expired_at = parse_duration(period).after(closed_at)
        if expired_at <= now:
            found.append(Expiry(case_id, reference, process_id, closed_at, period, expired_at))
    return found


@metered("anonymize_case")
def anonymize_case(uow: UnitOfWork, expiry: Expiry, actor: Actor = SYSTEM) -> int:
    """Remove a closed case's identity and free text; how many audit payloads were redacted."""
    case = lock_case(uow, expiry.case_id)
    if case.status not in (COMPLETED, CANCELLED) or case.anonymized_at is not None:
        raise CaseClosed(f"case {case.reference} is not a closed case awaiting anonymisation")
    forms: dict[str, Any] = uow.facts.version(uow.session, case.version_id).forms
    uow.session.execute(delete(CaseSubject).where(CaseSubject.case_id == case.id))
    task_forms = _scrub_tasks(uow, case, forms)
    case.state_json = StateScrubber(forms.values()).state(case.state_json)
    uow.session.execute(update(Incident).where(Incident.case_id == case.id).values(error=REMOVED))
    uow.session.execute(update(Message).where(Message.consumed_by == case.id).values(payload={}))
    redacted = redact(uow, case, _event_replacements(uow, case, task_forms), "retention", actor)
    case.anonymized_at = uow.now
    case.lock_version += 1
    detail = {
        "retention_period": expiry.period,
        "closed_at": expiry.closed_at.isoformat(),
        "redacted_events": redacted,
    }
    record(uow, case, ANONYMIZED, actor, detail)
    uow.commit()
    return redacted


def _scrub_tasks(uow: UnitOfWork, case: Case, forms: dict[str, Any]) -> dict[int, Any]:
    """Keep only the coded answers of the case's tasks; drop drafts. Each task's form, by id."""
    task_forms: dict[int, Any] = {}
    for task in uow.session.scalars(select(HumanTask).where(HumanTask.case_id == case.id)):
        form = forms.get(task.form_key) if task.form_key else None
        task_forms[task.id] = form
        if task.kind == "bpmn":
            task.data = scrub_answers(task.data, form) if task.data is not None else None
        elif task.data is not None:  # a review: the stuck task's ids, and its coded outcome
            task.data = {
                **{k: v for k, v in task.data.items() if k != "outcome"},
                "outcome": scrub_answers(task.data.get("outcome"), None),
            }
        task.draft = None
    return task_forms


def _event_replacements(
    uow: UnitOfWork, case: Case, task_forms: dict[int, Any]
) -> dict[int, dict[str, Any]]:
    replacements = {}
    for seq, kind, payload in uow.session.execute(
        select(CaseEvent.seq, CaseEvent.kind, CaseEvent.payload).where(CaseEvent.case_id == case.id)
    ):
        task_id = payload.get("task_id") if isinstance(payload, dict) else None
        form = task_forms.get(task_id) if isinstance(task_id, int) else None
        scrubbed = scrub_event(kind, dict(payload or {}), form)
        if scrubbed != payload:
            replacements[seq] = scrubbed
    return replacements


def run_retention(engine: Engine, now: datetime, *, dry_run: bool = False) -> RetentionReport:
    """Anonymise every expired case, one transaction each (a failure stops only its case)."""
    with engine.uow(write=False, now=now) as uow:
        report = RetentionReport(now, expired_cases(uow, now))
    if dry_run:
        return report
    for expiry in report.expired:
        try:
            with engine.uow(now=now) as uow:
                anonymize_case(uow, expiry)
            report.anonymized.append(expiry.reference)
        except EngineError as exc:
            report.failed.append((expiry.reference, exc.detail))
    return report
