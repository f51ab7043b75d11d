"""CSRF protection for the UI: a random token kept in the session, sent back by every form.

Forms carry it in a hidden `csrf_token` field; fetch() calls send it in the X-CSRF-Token header
(pages put it in <meta name="csrf-token">).
"""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, abort, request, session
from flask_babel import gettext as _

SESSION_KEY = "csrf_token"
HEADER = "X-CSRF-Token"


def csrf_token() -> str:
    """This session's token (made on first use)."""
    token = session.get(SESSION_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session[SESSION_KEY] = token
    return token


def check_csrf() -> None:
    """Refuse a state-changing request whose token is missing or wrong (400, said clearly)."""
    expected = session.get(SESSION_KEY)
    sent = request.form.get(SESSION_KEY) or request.headers.get(HEADER) or ""
    if not isinstance(expected, str) or not expected or not hmac.compare_digest(sent, expected):
        abort(
            400,
            description=_(
                "Il modulo è scaduto o non proviene da questa applicazione (token CSRF mancante "
                "o errato): ricarica la pagina e riprova."
            ),
        )


def init_csrf(app: Flask) -> None:
    """Make csrf_token() available to every template."""
    app.jinja_env.globals.setdefault("csrf_token", csrf_token)
