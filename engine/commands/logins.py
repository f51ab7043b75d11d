"""Logging in: an atomic rate limit kept in the database, and sessions the server can end.

The limit counts attempts per account and per address in a fixed window, in the `auth_attempt`
table, so every web worker and process shares it. An attempt is counted (and committed) before
the password hash is computed: concurrent guesses cannot all pass a check made before any of
them is recorded, and once the limit is reached no hash is computed at all. A successful login
clears its account's count. Bad bearer tokens are counted per address too, but only failures
are: a valid token is never refused because others sent bad ones.

A UI session is a row of `login_session`, named by a random key in the signed cookie: logging
out ends the row, so a copy of the cookie made before stops working.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, case, delete, literal, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from engine.actors import Actor
from engine.errors import TooManyAttempts
from engine.store.tables import (
    AuthAttempt,
    LoginSession,
    Membership,
    Organization,
    User,
    UTCDateTime,
)
from engine.store.uow import UnitOfWork

WINDOW = timedelta(minutes=15)
ACCOUNT_LIMIT = 10  # password attempts per account and window
ADDRESS_LIMIT = 30  # password attempts per address and window
TOKEN_FAILURE_LIMIT = 30  # bad bearer tokens per address and window
KEEP = timedelta(hours=8)  # a UI session's life (as the cookie's)
_INSERT: dict[str, Any] = {"sqlite": sqlite_insert, "postgresql": postgresql_insert}
_TABLE: Table = AuthAttempt.__table__  # type: ignore[assignment]


def account_key(username: str) -> str:
    return "account:" + username.strip().lower()[:150]


def address_key(address: str | None, kind: str = "address") -> str:
    return f"{kind}:{(address or 'unknown')[:150]}"


def count_attempt(uow: UnitOfWork, limits: dict[str, int]) -> None:
    """Count one attempt against each key and commit; TooManyAttempts if any is over its limit.

    One upsert per key: the database serialises concurrent attempts on the same row."""
    connection = uow.session.connection()
    insert = _INSERT[connection.dialect.name]
    cutoff = uow.now - WINDOW
    refused: list[datetime] = []
    for key, limit in limits.items():
        statement = insert(AuthAttempt).values(key=key, window_start=uow.now, attempts=1)
        expired = _TABLE.c.window_start < cutoff
        statement = statement.on_conflict_do_update(
            index_elements=["key"],
            set_={
                "attempts": case((expired, 1), else_=_TABLE.c.attempts + 1),
                "window_start": case(
                    (expired, literal(uow.now, UTCDateTime())), else_=_TABLE.c.window_start
                ),
            },
        ).returning(_TABLE.c.attempts, _TABLE.c.window_start)
        attempts, started = connection.execute(statement).one()
        if attempts > limit:
            refused.append(started)
    uow.commit()
    if refused:
        wait = int((max(refused) + WINDOW - uow.now).total_seconds()) + 1
        raise TooManyAttempts(
            f"too many attempts; try again in {max(wait, 1)} s", retry_after=max(wait, 1)
        )


def over_limit(uow: UnitOfWork, key: str, limit: int) -> bool:
    """Whether `key` has used up its attempts in the current window (no write)."""
    row = uow.session.get(AuthAttempt, key)
    return row is not None and row.window_start >= uow.now - WINDOW and row.attempts >= limit


def forget_attempts(uow: UnitOfWork, account: str, address: str) -> None:
    """After a successful login: clear the account's count, give the address its attempt back
    (an office behind one address is limited by its failures, not by its colleagues' logins),
    and drop counts whose window is over; then commit."""
    uow.session.execute(delete(AuthAttempt).where(AuthAttempt.key == account))
    uow.session.execute(
        update(AuthAttempt)
        .where(AuthAttempt.key == address, AuthAttempt.attempts > 0)
        .values(attempts=AuthAttempt.attempts - 1)
    )
    uow.session.execute(delete(AuthAttempt).where(AuthAttempt.window_start < uow.now - WINDOW))
    uow.commit()


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def open_login_session(uow: UnitOfWork, username: str) -> str:
    """A new server-side session for the user; the key goes into the signed cookie."""
    user_id = uow.session.scalar(select(User.id).where(User.username == username))
    key = secrets.token_urlsafe(32)
    uow.session.add(
        LoginSession(key_hash=_digest(key), user_id=user_id, created_at=uow.now, ended_at=None)
    )
    # Sessions last 8 hours (the cookie's lifetime): older rows only take room.
    uow.session.execute(delete(LoginSession).where(LoginSession.created_at < uow.now - KEEP))
    uow.commit()
    return key


# Built once: the open session, its user and the user's memberships in one statement.
_SESSION_ACTOR = (
    select(User.id, User.username, User.active, User.is_admin, Membership.role, Organization.code)
    .join(LoginSession, LoginSession.user_id == User.id)
    .outerjoin(Membership, Membership.user_id == User.id)
    .outerjoin(Organization, Organization.id == Membership.organization_id)
    .where(
        LoginSession.key_hash == bindparam("digest"),
        LoginSession.ended_at.is_(None),
        LoginSession.created_at >= bindparam("since", type_=UTCDateTime),
    )
)


def session_actor(uow: UnitOfWork, key: str) -> Actor | None:
    """The actor of an open session, or None when it ended, expired, never existed, or its
    user was disabled (every UI request asks: one statement)."""
    rows = uow.rows(_SESSION_ACTOR, {"digest": _digest(key), "since": uow.now - KEEP}).all()
    if not rows or not rows[0].active:
        return None
    user_id, username, _active, is_admin = rows[0][:4]
    memberships = frozenset((r.role, r.code) for r in rows if r.role is not None)
    return Actor(user_id, username, memberships, is_admin)


def end_login_session(uow: UnitOfWork, key: str) -> None:
    """End a session: its cookie, replayed, no longer authenticates anyone."""
    uow.session.execute(
        update(LoginSession)
        .where(LoginSession.key_hash == _digest(key), LoginSession.ended_at.is_(None))
        .values(ended_at=uow.now)
    )
    uow.commit()
