"""Who is calling: a bearer token (integrations) or the UI's session cookie."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from contextlib import AbstractContextManager, nullcontext

from flask import current_app, g, request, session

from engine import Actor, Engine
from engine.commands.accounts import authenticate_token, check_password, load_actor
from engine.errors import EngineError, Forbidden, Unauthenticated, UserNotFound
from engine.store.uow import UnitOfWork

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# A cross-site form cannot send these headers, so requiring one on cookie-authenticated API
# writes stops cross-site request forgery (HTMX sends HX-Request itself).
CSRF_HEADERS = ("X-Requested-With", "HX-Request")


class TooManyAttempts(EngineError):
    """Authentication failed too often from one address; try again later."""

    title = "Too many attempts"

    @property
    def retry_after(self) -> int:
        return int(self.context.get("retry_after", 60))


class FailureLimiter:
    """Counts authentication failures per key in a sliding window (per process)."""

    def __init__(self, limit: int = 10, window: float = 300.0) -> None:
        self.limit, self.window = limit, window
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        with self._lock:
            recent = self._recent(key)
            if len(recent) >= self.limit:
                wait = int(self.window - (time.monotonic() - recent[0])) + 1
                raise TooManyAttempts(
                    f"too many failed attempts; try again in {wait} s", retry_after=wait
                )
            if not recent:
                del self._failures[key]  # forget addresses whose failures have expired

    def fail(self, key: str) -> None:
        with self._lock:
            self._recent(key).append(time.monotonic())

    def _recent(self, key: str) -> deque[float]:
        recent = self._failures[key]
        while recent and time.monotonic() - recent[0] > self.window:
            recent.popleft()
        return recent


def engine() -> Engine:
    found: Engine = current_app.extensions["percorsi"]
    return found


def limiter() -> FailureLimiter:
    found: FailureLimiter = current_app.extensions["percorsi_limiter"]
    return found


def _client_key() -> str:
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
        g.actor = _from_session(str(session["username"]), uow)
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
    limiter().check(_client_key())
    try:
        with _in(within) as uow:
            return authenticate_token(uow, token)
    except Unauthenticated:
        limiter().fail(_client_key())
        raise


def _from_session(username: str, within: UnitOfWork | None = None) -> Actor:
    try:
        with _in(within) as uow:
            return load_actor(uow, username)
    except UserNotFound as exc:
        session.clear()
        raise Unauthenticated("your session has ended; log in again") from exc


def login(username: str, password: str) -> Actor:
    """Check credentials (rate-limited per address) and open a session."""
    limiter().check(_client_key())
    try:
        with engine().uow(write=False) as uow:
            actor = check_password(uow, username, password)
    except Unauthenticated:
        limiter().fail(_client_key())
        raise
    return open_session(actor)


def open_session(actor: Actor) -> Actor:
    """Start a fresh session for an authenticated actor (a new session defeats fixation)."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session["username"] = actor.username
    session.permanent = True
    g.actor = actor
    return actor


def logout() -> None:
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    g.pop("actor", None)
