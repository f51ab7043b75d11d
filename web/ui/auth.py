"""Logging in and out: username and password (argon2, rate-limited), or OIDC when configured."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from engine.errors import Unauthenticated

from ..auth import TooManyAttempts, engine, logout
from ..auth import login as check_login
from .chrome import safe_next, viewer

bp = Blueprint("auth", __name__)


def _login_page(status: int = 200, error: str | None = None, username: str = "") -> Any:
    page = render_template(
        "auth/login.html",
        error=error,
        username=username,
        next=safe_next(request.values.get("next"), ""),
        oidc=engine().settings.oidc_enabled,
        oidc_label=engine().settings.oidc_label or _("Entra con SPID o CIE"),
    )
    return page, status


@bp.get("/login")
def login() -> Any:
    """The login page (already logged-in users go to their home page)."""
    if viewer() is not None:
        return redirect(safe_next(request.args.get("next"), url_for("worklist.index")))
    return _login_page()


@bp.post("/login")
def login_submit() -> Any:
    """Check the credentials; a clear Italian message when they are wrong or tried too often."""
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    if not username or not password:
        return _login_page(400, _("Inserire nome utente e password."), username)
    try:
        check_login(username, password)
    except TooManyAttempts:
        message = _("Troppi tentativi non riusciti. Attendere qualche minuto e riprovare.")
        return _login_page(429, message, username)
    except Unauthenticated:
        return _login_page(401, _("Nome utente o password non corretti."), username)
    return redirect(safe_next(request.form.get("next"), url_for("worklist.index")))


@bp.post("/logout")
def logout_submit() -> Response:
    """End the session."""
    logout()
    flash(_("Uscita effettuata. Arrivederci."), "success")
    return redirect(url_for("auth.login"))
