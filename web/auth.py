"""Who is calling: a bearer token (integrations) or the UI's session cookie."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

from flask import current_app, g, request, session

from engine import Actor, Engine
from engine.commands import logins
from engine.commands.accounts import (
    READ_ONLY,
    authenticate_scoped_token,
    check_password,
)
from engine.errors import Forbidden, TooManyAttempts, Unauthenticated
from engine.store.uow import UnitOfWork

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# A cross-site form cannot send these headers, so requiring one on cookie-authenticated API
# writes stops cross-site request forgery (HTMX sends HX-Request itself).
CSRF_HEADERS = ("X-Requested-With", "HX-Request")
__all__ = ["TooManyAttempts", "current_actor", "login", "logout", "open_session"]


def engine() -> Engine:
    found: Engine = current_app.extensions["percorsi"]
    return found


def _address() -> str:
    """The caller's address (the proxy's client address when ProxyFix is configured)."""
    return request.remote_addr or "unknown"


def current_actor(uow: UnitOfWork | None = None) -> Actor:
    """The authenticated actor of this request, or Unauthenticated (read in `uow` if given)."""
    if "actor" in g:
        actor: Actor = g.actor
        return actor
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        g.actor = _from_token(header[len("Bearer ") :].strip(), uow)
    elif session.get("username"):
        _require_csrf_header()
        g.actor = _from_session(str(session.get("sid", "")), uow)
    else:
        raise Unauthenticated("log in or send an Authorization: Bearer token")
    return current_actor()


def _in(uow: UnitOfWork | None) -> AbstractContextManager[UnitOfWork]:
    """The request's unit of work when there is one, else a short read-only one."""
    return nullcontext(uow) if uow is not None else engine().uow(write=False)


def require_credentials() -> None:
    """Unauthenticated unless the request carries a bearer token or a session (no database)."""
    if "actor" in g or request.headers.get("Authorization", "").startswith("Bearer "):
        return
    if not session.get("username"):
        raise Unauthenticated("log in or send an Authorization: Bearer token")


def _require_csrf_header() -> None:
    """Cookie-authenticated API writes must carry a header no cross-site form can send."""
    if request.method in SAFE_METHODS or not request.path.startswith("/api/"):
        return
    if not any(request.headers.get(h) for h in CSRF_HEADERS):
        raise Forbidden(
            "a session-authenticated API request that changes data needs the "
            "X-Requested-With header (protection against cross-site request forgery)"
        )


def _from_token(token: str, within: UnitOfWork | None = None) -> Actor:
    """The token's actor. A valid token always works; bad ones are counted per address, and
    past the limit they get 429 instead of 401 (no lock-out of anybody's valid token)."""
    try:
        with _in(within) as uow:
            actor, scope = authenticate_scoped_token(uow, token)
    except Unauthenticated:
        limit = {logins.address_key(_address(), "token"): logins.TOKEN_FAILURE_LIMIT}
        if within is not None and within.write:  # SQLite: the request's write lock is held
            logins.count_attempt(within, limit)  # nothing else was done in it yet
        else:
            with engine().uow() as uow:
                logins.count_attempt(uow, limit)
        raise
    if scope == READ_ONLY and request.method not in SAFE_METHODS:
        raise Forbidden("this token may only read: ask for a read-write token to change data")
    return actor


def _from_session(key: str, within: UnitOfWork | None = None) -> Actor:
    """The actor of an open server-side session; a session ended by logout is refused, and so
    is one whose user was disabled since."""
    with _in(within) as uow:
        actor = logins.session_actor(uow, key) if key else None
    if actor is None:
        session.clear()
        raise Unauthenticated("your session has ended; log in again")
    return actor


def login(username: str, password: str) -> Actor:
    """Check credentials and open a session. The attempt is counted per account and per
    address in the database first: past the limit, no password hash is computed at all."""
    account, address = logins.account_key(username), logins.address_key(_address())
    with engine().uow() as uow:
        logins.count_attempt(uow, {account: logins.ACCOUNT_LIMIT, address: logins.ADDRESS_LIMIT})
    with engine().uow(write=False) as uow:
        actor = check_password(uow, username, password)
    with engine().uow() as uow:
        logins.forget_attempts(uow, account, address)
    return open_session(actor)


def open_session(actor: Actor) -> Actor:
    """Start a fresh session for an authenticated actor (a new session defeats fixation)."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    with engine().uow() as uow:
        session["sid"] = logins.open_login_session(uow, actor.username)
    session["username"] = actor.username
    session.permanent = True
    g.actor = actor
    return actor


def logout() -> None:
    """End the session on the server too: the same cookie, replayed, is refused."""
    key = session.get("sid")
    if key:
        with engine().uow() as uow:
            logins.end_login_session(uow, str(key))
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    g.pop("actor", None)
