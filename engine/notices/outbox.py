"""The transactional outbox: notifications written with their cause, delivered at least once.

A row is one notification for one recipient on one channel: `app` (an in-app `notification`
row, delivered exactly once because it is written in the same transaction that marks the row
delivered) or `email` (sent by SMTP, then marked; a crash between the two re-sends it after
the claim lease expires, so e-mail is at-least-once).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, select, update

from engine.notices.mail import MailError, SmtpSender, compose, title_of
from engine.store.tables import Case, Notification, Outbox
from engine.store.uow import UnitOfWork

if TYPE_CHECKING:
    from engine.core import Engine

APP = "app"
EMAIL = "email"
BATCH = 100
CLAIM_LEASE = timedelta(minutes=5)
MAX_BACKOFF = timedelta(hours=6)
OUTBOX = cast(Table, Outbox.__table__)


def enqueue(
    uow: UnitOfWork, channel: str, recipient: str, case_id: int | None, payload: dict[str, Any]
) -> None:
    """Write one notification in the caller's transaction; the scheduler is woken after commit."""
    uow.append(
        OUTBOX,
        {
            "kind": str(payload.get("kind", "notice")),
            "channel": channel,
            "recipient": recipient[:200],
            "case_id": case_id,
            "payload": payload,
            "attempts": 0,
            "next_attempt_at": uow.now,
            "created_at": uow.now,
        },
    )
    at = uow.now
    uow.wake_at(at)


@dataclass
class DeliveryReport:
    """What one delivery pass did."""

    in_app: int = 0
    emailed: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.in_app + self.emailed + self.retried + self.failed


@dataclass(frozen=True)
class Claimed:
    """An e-mail row claimed for sending, detached from its session."""

    id: int
    recipient: str
    payload: dict[str, Any]
    attempts: int


def deliver_due(engine: Engine, now: datetime | None = None) -> DeliveryReport:
    """Deliver every notification due at `now`: in-app rows at once, e-mails by SMTP."""
    moment = now or engine.clock()
    report = DeliveryReport()
    while True:
        claimed = _claim_batch(engine, moment, report)
        if claimed is None:
            return report
        if claimed:
            _send(engine, moment, claimed, report)


def _claim_batch(engine: Engine, now: datetime, report: DeliveryReport) -> list[Claimed] | None:
    """Lock due rows (SKIP LOCKED), deliver in-app ones, lease e-mail ones; None when none due."""
    with engine.uow(now=now) as uow:
        rows = uow.session.scalars(
            select(Outbox)
            .where(
                Outbox.delivered_at.is_(None),
                Outbox.failed_at.is_(None),
                Outbox.next_attempt_at <= now,
            )
            .order_by(Outbox.next_attempt_at, Outbox.id)
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        ).all()
        if not rows:
            return None
        claimed = []
        for row in rows:
            row.attempts += 1
            if row.channel == APP:
                _store_in_app(uow, row)
                report.in_app += 1
            else:
                row.next_attempt_at = now + CLAIM_LEASE  # if we die, another pass retries
                claimed.append(Claimed(row.id, row.recipient, dict(row.payload), row.attempts))
        uow.commit()
        return claimed


def _store_in_app(uow: UnitOfWork, row: Outbox) -> None:
    payload = dict(row.payload)
    user_id = payload.get("user_id")
    if isinstance(user_id, int) and not _joined(uow, user_id, row, payload):
        uow.session.add(
            Notification(
                user_id=user_id,
                case_id=row.case_id,
                task_id=_single_task(payload),
                kind=row.kind,
                title=title_of(payload)[:255],
                payload=payload,
                created_at=uow.now,
            )
        )
    row.delivered_at = uow.now


def _single_task(payload: dict[str, Any]) -> int | None:
    """The task a notice opens; none when it stands for several (it opens their case)."""
    task_id = payload.get("task_id")
    return task_id if isinstance(task_id, int) and int(payload.get("count") or 1) == 1 else None


def _joined(uow: UnitOfWork, user_id: int, row: Outbox, payload: dict[str, Any]) -> bool:
    """Fold a notice into the user's unread one about the same case and step (and kind):
    "Nuova attività «Avvio servizio» (3)" rather than three lines. True if folded."""
    step = payload.get("element_id")
    if row.case_id is None or not step:
        return False
    unread = uow.session.scalars(
        select(Notification).where(
            Notification.user_id == user_id,
            Notification.case_id == row.case_id,
            Notification.kind == row.kind,
            Notification.read_at.is_(None),
        )
    ).all()
    same = next((n for n in unread if (n.payload or {}).get("element_id") == step), None)
    if same is None:
        return False
    merged = dict(same.payload or {})
    merged["count"] = int(merged.get("count") or 1) + int(payload.get("count") or 1)
    if same.task_id != payload.get("task_id"):
        same.task_id = merged["task_id"] = None  # several tasks: the notice opens the case
    same.payload, same.title, same.created_at = merged, title_of(merged)[:255], uow.now
    return True


def _send(engine: Engine, now: datetime, claimed: list[Claimed], report: DeliveryReport) -> None:
    """Send outside any transaction, then record each row's outcome."""
    settings = engine.settings
    outcomes: dict[int, str | None] = {}
    try:
        with SmtpSender(settings) as sender:
            for item in claimed:
                try:
                    sender.send(compose(settings, item.recipient, item.payload, item.id))
                    outcomes[item.id] = None
                except MailError as exc:
                    outcomes[item.id] = str(exc)
    except MailError as exc:  # the server is unreachable: every unsent row waits and retries
        for item in claimed:
            outcomes.setdefault(item.id, str(exc))
    _record_outcomes(engine, now, claimed, outcomes, report)


def _record_outcomes(
    engine: Engine,
    now: datetime,
    claimed: list[Claimed],
    outcomes: dict[int, str | None],
    report: DeliveryReport,
) -> None:
    max_attempts = engine.settings.outbox_max_attempts
    with engine.uow(now=now) as uow:
        for item in claimed:
            error = outcomes.get(item.id, "not attempted")
            values: dict[str, Any]
            if error is None:
                values = {"delivered_at": now, "last_error": None}
                report.emailed += 1
            elif item.attempts >= max_attempts:
                values = {"failed_at": now, "last_error": error}
                report.failed += 1
            else:
                values = {"next_attempt_at": now + backoff(engine, item.attempts)}
                values["last_error"] = error
                report.retried += 1
            if error is not None and error not in report.errors:
                report.errors.append(error)
            uow.session.execute(update(Outbox).where(Outbox.id == item.id).values(**values))
        uow.commit()


def backoff(engine: Engine, attempts: int) -> timedelta:
    """Exponential: base, 2x base, 4x base... capped at six hours."""
    base = timedelta(seconds=engine.settings.outbox_backoff_seconds)
    delay: timedelta = base * (2 ** max(attempts - 1, 0))
    return min(delay, MAX_BACKOFF)


def next_attempt_at(uow: UnitOfWork) -> datetime | None:
    """The earliest moment an undelivered notification is due."""
    return uow.session.scalar(
        select(Outbox.next_attempt_at)
        .where(Outbox.delivered_at.is_(None), Outbox.failed_at.is_(None))
        .order_by(Outbox.next_attempt_at)
        .limit(1)
    )


@dataclass(frozen=True)
class OutboxRow:
    id: int
    kind: str
    channel: str
    recipient: str
    case_reference: str | None
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    delivered_at: datetime | None
    failed_at: datetime | None
    last_error: str | None

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        for key in ("created_at", "next_attempt_at", "delivered_at", "failed_at"):
            d[key] = d[key].isoformat() if d[key] else None
        return d


def outbox_rows(uow: UnitOfWork, *, failed: bool = False, limit: int = 500) -> list[OutboxRow]:
    """Undelivered notifications (pending and failed), or only the failed ones."""
    query = (
        select(Outbox, Case.reference)
        .outerjoin(Case, Case.id == Outbox.case_id)
        .where(Outbox.delivered_at.is_(None))
    )
    if failed:
        query = query.where(Outbox.failed_at.is_not(None))
    rows = uow.session.execute(query.order_by(Outbox.id).limit(limit)).all()
    return [
        OutboxRow(
            id=o.id,
            kind=o.kind,
            channel=o.channel,
            recipient=o.recipient,
            case_reference=ref,
            attempts=o.attempts,
            created_at=o.created_at,
            next_attempt_at=o.next_attempt_at,
            delivered_at=o.delivered_at,
            failed_at=o.failed_at,
            last_error=o.last_error,
        )
        for o, ref in rows
    ]


def retry_failed(uow: UnitOfWork) -> int:
    """Put every failed notification back in the queue (e.g. once SMTP is fixed)."""
    result = uow.session.execute(
        update(Outbox)
        .where(Outbox.failed_at.is_not(None), Outbox.delivered_at.is_(None))
        .values(failed_at=None, attempts=0, next_attempt_at=uow.now)
    )
    uow.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]
