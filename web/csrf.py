"""CSRF protection for every form: a per-session token, checked on each unsafe request."""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, request, session
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class CsrfFailed(BadRequest):
    """A form was sent without the token of the session it came from."""


def csrf_token() -> str:
    """The session's token, created on first use; every form carries it in a hidden field."""
    token = session.get(FIELD)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session[FIELD] = token
    return token


def _exempt() -> bool:
    # Integrations authenticate with bearer tokens, which a foreign site cannot send; the REST
    # API under /api/ is not driven by forms (its session use is covered by SameSite=Lax).
    return request.path.startswith("/api/") or request.headers.get("Authorization", "").startswith(
        "Bearer "
    )


def check_csrf() -> None:
    """Refuse an unsafe request whose token is missing or not the session's (400)."""
    if request.method not in UNSAFE or _exempt():
        return
    sent = request.form.get(FIELD) or request.headers.get(HEADER) or ""
    expected = session.get(FIELD)
    if not isinstance(expected, str) or not hmac.compare_digest(sent, expected):
        raise CsrfFailed(
            _(
                "Il modulo è scaduto o non proviene da questa applicazione (token CSRF mancante "
                "o errato): ricarica la pagina e riprova."
            )
        )


def init_csrf(app: Flask) -> None:
    app.before_request(check_csrf)
    app.jinja_env.globals["csrf_token"] = csrf_token
