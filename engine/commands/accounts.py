"""Organisations, users, memberships and API tokens."""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, func, select, update

from engine.actors import SYSTEM, Actor
from engine.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    TooManyAttempts,
    Unauthenticated,
    UserNotFound,
)
from engine.rules.ownership import actor_of
from engine.rules.people import by_name, colleague_of
from engine.store.tables import ApiToken, Membership, Organization, User
from engine.store.uow import UnitOfWork

_HASHER = PasswordHasher()
TOKEN_PREFIX = "pct_"
LAST_USED_STEP = timedelta(minutes=10)
READ_ONLY, READ_WRITE = "read", "read-write"
SCOPES = (READ_ONLY, READ_WRITE)


def require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden(f"{actor.username} is not an administrator")


def actor_for(uow: UnitOfWork, user: User) -> Actor:
    """The actor of a user, with their roles in organisations."""
    return actor_of(uow, user)


def load_actor(uow: UnitOfWork, username: str | None) -> Actor:
    """The named active user's actor, or the built-in system administrator for None."""
    if username is None:
        return SYSTEM
    user = uow.session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        raise UserNotFound(f"no active user {username!r}")
    return actor_for(uow, user)


def ensure_organization(
    uow: UnitOfWork, code: str, name: str, kind: str = "member"
) -> Organization:
    """Create or update an organisation by its code."""
    org = uow.session.scalar(select(Organization).where(Organization.code == code))
    if org is None:
        org = Organization(code=code, name=name, kind=kind)
        uow.session.add(org)
    else:
        org.name, org.kind = name, kind
    uow.session.flush()
    return org


def create_user(
    uow: UnitOfWork,
    username: str,
    *,
    memberships: list[tuple[str, str]] = (),  # type: ignore[assignment]
    password: str | None = None,
    full_name: str = "",
    email: str = "",
    is_admin: bool = False,
) -> User:
    """Create a user with (organisation code, role) memberships."""
    if (
        not username
        or len(username) > 80
        or not username.replace(".", "").replace("_", "").replace("-", "").isalnum()
    ):
        raise InvalidInput(
            f"invalid username {username!r}",
            [{"field": "username", "message": "letters, digits, . _ -"}],
        )
    if uow.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"user {username!r} already exists")
    user = User(
        username=username,
        full_name=full_name,
        email=email,
        password_hash=hash_password(password) if password else None,
        is_admin=is_admin,
        active=True,
        created_at=uow.now,
    )
    uow.session.add(user)
    uow.session.flush()
    for org_code, role in memberships:
        add_membership(uow, user, org_code, role)
    return user


def add_membership(uow: UnitOfWork, user: User, org_code: str, role: str) -> Membership:
    org = uow.session.scalar(select(Organization).where(Organization.code == org_code))
    if org is None:
        raise InvalidInput(
            f"unknown organisation {org_code!r}", [{"field": "org", "message": "unknown"}]
        )
    existing = uow.session.scalar(
        select(Membership).where(
            Membership.user_id == user.id,
            Membership.organization_id == org.id,
            Membership.role == role,
        )
    )
    if existing is not None:
        return existing
    membership = Membership(user_id=user.id, organization_id=org.id, role=role)
    uow.session.add(membership)
    uow.session.flush()
    return membership


# argon2 takes 64 MiB per hash: at most this many hashes run at once in a process, so memory
# stays bounded however many logins arrive together; the others wait, then get a 429.
HASH_SLOTS = threading.BoundedSemaphore(2)
HASH_WAIT_SECONDS = 10.0


@contextmanager
def _hash_slot() -> Iterator[None]:
    if not HASH_SLOTS.acquire(timeout=HASH_WAIT_SECONDS):
        raise TooManyAttempts("the server is busy checking passwords; try again", retry_after=5)
    try:
        yield
    finally:
        HASH_SLOTS.release()


def hash_password(password: str) -> str:
    with _hash_slot():
        return _HASHER.hash(password)


def check_password(uow: UnitOfWork, username: str, password: str) -> Actor:
    """The actor for valid credentials; Unauthenticated otherwise (same message either way)."""
    user = uow.session.scalar(select(User).where(User.username == username))
    try:
        with _hash_slot():
            if user is None or not user.active or not user.password_hash:
                _HASHER.verify(_DUMMY_HASH, password)  # same work whether or not the user exists
                raise Unauthenticated("wrong username or password")
            _HASHER.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError) as exc:
        raise Unauthenticated("wrong username or password") from exc
    return actor_for(uow, user)


_DUMMY_HASH = _HASHER.hash("percorsi-dummy-password")


@dataclass(frozen=True)
class IssuedToken:
    id: int
    token: str


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    uow: UnitOfWork,
    username: str,
    name: str = "",
    *,
    expires_at: datetime | None = None,
    scope: str = READ_WRITE,
) -> IssuedToken:
    """A new random API token for a user; only its hash is stored."""
    user = uow.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise UserNotFound(f"no user {username!r}")
    if scope not in SCOPES:
        raise InvalidInput(
            f"unknown token scope {scope!r}; use {' or '.join(SCOPES)}",
            [{"field": "scope", "message": "unknown scope"}],
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=_token_digest(token),
        created_at=uow.now,
        expires_at=expires_at,
        scope=scope,
    )
    uow.session.add(row)
    uow.session.flush()
    return IssuedToken(row.id, token)


def revoke_token(uow: UnitOfWork, token_id: int) -> None:
    row = uow.session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"no token {token_id}")
    row.revoked_at = row.revoked_at or uow.now


# Built once: the token, its user and the user's memberships in one statement.
_TOKEN_ACTOR = (
    select(
        ApiToken.id,
        ApiToken.revoked_at,
        ApiToken.last_used_at,
        ApiToken.expires_at,
        ApiToken.scope,
        User.id,
        User.username,
        User.active,
        User.is_admin,
        Membership.role,
        Organization.code,
    )
    .join(User, User.id == ApiToken.user_id)
    .outerjoin(Membership, Membership.user_id == User.id)
    .outerjoin(Organization, Organization.id == Membership.organization_id)
    .where(ApiToken.token_hash == bindparam("digest"))
)


def authenticate_token(uow: UnitOfWork, token: str) -> Actor:
    """The actor of a valid, unrevoked, unexpired token (whatever its scope)."""
    return authenticate_scoped_token(uow, token)[0]


def authenticate_scoped_token(uow: UnitOfWork, token: str) -> tuple[Actor, str]:
    """The actor and scope of a valid token; notes its use at most once per LAST_USED_STEP."""
    if len(token) > 200:
        raise Unauthenticated("invalid or revoked token")
    rows = uow.rows(_TOKEN_ACTOR, {"digest": _token_digest(token)}).all()
    if not rows or rows[0][1] is not None:
        raise Unauthenticated("invalid or revoked token")
    token_id, _revoked, last_used, expires_at, scope, user_id, username, active, is_admin = rows[0][
        :9
    ]
    if expires_at is not None and uow.now >= expires_at:
        raise Unauthenticated("the token has expired")
    if not active:
        raise Unauthenticated("the token's user is disabled")
    memberships = frozenset((r[9], r[10]) for r in rows if r[9] is not None)
    if last_used is None or uow.now - last_used >= LAST_USED_STEP:
        # A write only when the mark is stale, not on every request.
        uow.session.execute(
            update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=uow.now)
        )
        uow.commit()
    return Actor(user_id, username, memberships, is_admin), str(scope)


def external_login(uow: UnitOfWork, subject: str, email: str | None) -> Actor:
    """The active user an external identity (OIDC subject or e-mail) belongs to."""
    user = uow.session.scalar(select(User).where(User.username == subject, User.active.is_(True)))
    if user is None and email:
        user = uow.session.scalar(
            select(User).where(func.lower(User.email) == email.lower(), User.active.is_(True))
        )
    if user is None:
        raise Unauthenticated("this identity is not linked to any Percorsi user")
    return actor_for(uow, user)


def colleagues(
    uow: UnitOfWork, actor: Actor, search: str = "", limit: int | None = None
) -> list[tuple[str, str]]:
    """(username, full name) of the active users sharing an organisation with the actor, by
    name (for reassigning); `search` keeps those whose username or full name contains it,
    whatever its case and accents."""
    if not actor.organizations:
        return []
    query = (
        select(User.username, User.full_name)
        .where(colleague_of(actor))
        .order_by(*by_name(uow))
        .limit(limit)
    )
    typed = uow.contains_folded(search, User.username, User.full_name)
    if typed is not None:
        query = query.where(typed)
    return [(username, full_name or username) for username, full_name in uow.session.execute(query)]


def organization_names(uow: UnitOfWork) -> dict[str, str]:
    """Every organisation's name by its code."""
    rows = uow.session.execute(select(Organization.code, Organization.name)).all()
    return {code: name for code, name in rows}


def set_language(uow: UnitOfWork, actor: Actor, code: str) -> None:
    """Remember the language a user chose: their e-mails are then written in it."""
    if actor.user_id is None:
        return
    uow.session.execute(update(User).where(User.id == actor.user_id).values(locale=code[:8]))
    uow.commit()
