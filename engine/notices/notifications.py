"""In-app notifications of one user: the unread count, the list, marking them read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select, update

from engine.actors import Actor
from engine.errors import NotFound
from engine.store.pages import Beside, Page, check_limit, cursor_key, encode_cursor
from engine.store.tables import Case, Notification
from engine.store.uow import UnitOfWork

_UNREAD = select(func.count(Notification.id)).where(
    Notification.user_id == bindparam("unread_of"), Notification.read_at.is_(None)
)


def unread_count(uow: UnitOfWork, actor: Actor) -> int:
    """How many of the actor's notifications are still unread."""
    if actor.user_id is None:
        return 0
    return int(uow.rows(_UNREAD, {"unread_of": actor.user_id}).scalar() or 0)


def unread_beside(actor: Actor) -> Beside:
    """The actor's unread notifications, to read beside a page's counts (none for a user
    without an account: the engine's own actor)."""
    return Beside("unread", _UNREAD.scalar_subquery(), {"unread_of": actor.user_id})


def list_notifications(
    uow: UnitOfWork,
    actor: Actor,
    *,
    unread_only: bool = False,
    cursor: str | None = None,
    limit: int = 20,
) -> Page[dict[str, Any]]:
    """The actor's notifications, newest first, with the case reference they concern."""
    check_limit(limit)
    query = (
        select(Notification, Case.reference)
        .outerjoin(Case, Case.id == Notification.case_id)
        .where(Notification.user_id == actor.user_id)
    )
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    after = cursor_key(cursor, _moment_text)
    if after is not None:
        query = query.where(_before(*after))
    rows = uow.session.execute(
        query.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit + 1)
    ).all()
    items = [_row(n, ref) for n, ref in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1][0]
        next_cursor = encode_cursor([last.created_at.isoformat(), last.id])
    return Page(items, next_cursor)


def _moment_text(value: Any) -> str:
    """A cursor's creation time, as the ISO text it was written as."""
    if not isinstance(value, str):
        raise ValueError("not a time")
    if datetime.fromisoformat(value).tzinfo is None:
        raise ValueError("naive")
    return value


def _before(at: str, notification_id: int) -> Any:
    when = datetime.fromisoformat(at)
    return or_(
        Notification.created_at < when,
        and_(Notification.created_at == when, Notification.id < notification_id),
    )


def _row(n: Notification, reference: str | None) -> dict[str, Any]:
    return {
        "id": n.id,
        "kind": n.kind,
        "title": n.title,
        "payload": n.payload or {},
        "case": reference,
        "task_id": n.task_id,
        "created_at": n.created_at,
        "read_at": n.read_at,
    }


def mark_read(uow: UnitOfWork, actor: Actor, notification_id: int) -> dict[str, Any]:
    """Mark one of the actor's notifications read; someone else's is not found."""
    found = uow.session.execute(
        select(Notification, Case.reference)
        .outerjoin(Case, Case.id == Notification.case_id)
        .where(Notification.id == notification_id, Notification.user_id == actor.user_id)
    ).first()
    if found is None:
        raise NotFound(f"no notification {notification_id}")
    notification, reference = found
    notification.read_at = notification.read_at or uow.now
    uow.commit()
    return _row(notification, reference)


def mark_all_read(uow: UnitOfWork, actor: Actor) -> int:
    """Mark every unread notification of the actor read; returns how many changed."""
    result = uow.session.execute(
        update(Notification)
        .where(Notification.user_id == actor.user_id, Notification.read_at.is_(None))
        .values(read_at=uow.now)
    )
    uow.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def mark_read_except_latest(uow: UnitOfWork, actor: Actor, keep: int) -> int:
    """Mark read every unread notification of the actor but the `keep` newest; returns how many."""
    newest = uow.session.execute(
        select(Notification.created_at, Notification.id)
        .where(Notification.user_id == actor.user_id, Notification.read_at.is_(None))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .offset(max(keep, 0))
        .limit(1)
    ).first()
    if newest is None:
        return 0
    at, first_id = newest
    result = uow.session.execute(
        update(Notification)
        .where(
            Notification.user_id == actor.user_id,
            Notification.read_at.is_(None),
            or_(
                Notification.created_at < at,
                and_(Notification.created_at == at, Notification.id <= first_id),
            ),
        )
        .values(read_at=uow.now)
        .execution_options(synchronize_session=False)
    )
    uow.commit()
    return int(getattr(result, "rowcount", 0) or 0)
