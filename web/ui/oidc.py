"""OIDC login through Authlib, for SPID/CIE gateways: offered only when PERCORSI_OIDC_* is set.

The provider's identity is linked to an existing Percorsi user by its subject (equal to the
username) or by its e-mail address; nobody is created on the fly.
"""

from __future__ import annotations

from typing import Any

from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, Flask, current_app, flash, redirect, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound

from engine import Settings
from engine.commands.accounts import external_login
from engine.errors import Unauthenticated

from ..auth import engine, open_session

bp = Blueprint("oidc", __name__)


def _register(app: Flask, settings: Settings) -> OAuth:
    oauth = OAuth(app)
    endpoints: dict[str, Any] = (
        {"server_metadata_url": settings.oidc_metadata_url}
        if settings.oidc_metadata_url
        else {
            "authorize_url": settings.oidc_authorize_url,
            "access_token_url": settings.oidc_token_url,
        }
    )
    oauth.register(
        "provider",
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        client_kwargs={"scope": settings.oidc_scope},
        **endpoints,
    )
    return oauth


def _client() -> Any:
    oauth: OAuth | None = current_app.extensions.get("percorsi_oidc")
    if oauth is None:
        raise NotFound()
    return oauth.create_client("provider")


@bp.get("/login/oidc")
def start() -> Any:
    """Send the browser to the provider's authorisation page."""
    return _client().authorize_redirect(url_for("oidc.callback", _external=True))


@bp.get("/login/oidc/callback")
def callback() -> Any:
    """Back from the provider: link the identity to a Percorsi user and open the session."""
    try:
        token = _client().authorize_access_token()
    except OAuthError:
        flash(_("L'accesso tramite il fornitore di identità non è riuscito."), "danger")
        return redirect(url_for("auth.login"))
    claims = token.get("userinfo") or {}
    try:
        with engine().uow(write=False) as uow:
            actor = external_login(uow, str(claims.get("sub", "")), claims.get("email"))
    except Unauthenticated:
        flash(_("La sua identità non è associata ad alcun utente di Percorsi."), "danger")
        return redirect(url_for("auth.login"))
    open_session(actor)
    return redirect(url_for("worklist.index"))


def init_oidc(app: Flask, settings: Settings) -> None:
    """Register the OIDC routes; the client exists only when the settings configure one."""
    if settings.oidc_enabled:
        app.extensions["percorsi_oidc"] = _register(app, settings)
    app.register_blueprint(bp)
