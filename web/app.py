"""The Flask application factory."""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, Response, jsonify
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer
from werkzeug.middleware.proxy_fix import ProxyFix

from engine import Engine, Settings
from engine.reads.health import database_ok

from .api import init_api
from .composition import build_engine
from .csrf import init_csrf
from .i18n import init_i18n
from .inputs import init_input_guards
from .logs import init_request_logging
from .metrics import init_metrics
from .problems import init_problems
from .telemetry import telemetry_of
from .ui import init_ui


def create_app(
    test_config: dict[str, Any] | None = None,
    *,
    engine: Engine | None = None,
    start_scheduler: bool = False,
) -> Flask:
    """Build the app around one engine; the scheduler runs inside it when asked."""
    app = Flask(__name__)
    engine = engine or build_engine(Settings.from_env())
    app.config.from_mapping(
        SECRET_KEY=engine.settings.secret_key or _instance_secret(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=engine.settings.base_url.startswith("https"),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
        MAX_CONTENT_LENGTH=engine.settings.max_upload_bytes * 8,
    )
    app.config.from_mapping(test_config or {})
    app.session_interface = CookieSessions()
    app.extensions["percorsi"] = engine
    engine.observer = telemetry = telemetry_of(engine.observer)
    app.extensions["percorsi_request_observer"] = telemetry.request
    if engine.settings.proxy_hops:
        hops = engine.settings.proxy_hops
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )
    app.extensions["percorsi_scheduler"] = _scheduler(app, engine) if start_scheduler else None
    init_request_logging(app)
    init_problems(app)
    init_input_guards(app)
    init_api(app)
    init_i18n(app)
    init_csrf(app)
    init_ui(app)
    app.after_request(_security_headers)
    _health(app, engine)
    init_metrics(app, engine, telemetry.metrics)
    return app


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed cookie sessions, with their serializer made once per set of keys: Flask
    makes it anew on every request, before it even looks for a cookie (API calls send none)."""

    _made: tuple[tuple[Any, ...], URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        made = self._made
        if made is None or made[0] != keys:
            made = self._made = (keys, super().get_signing_serializer(app))
        return made[1]


def _instance_secret() -> str:
    """A per-installation secret kept in instance/, made on first start."""
    path = Path("instance") / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _scheduler(app: Flask, engine: Engine) -> Any:
    from engine.errors import SchedulerBusy
    from engine.scheduling.scheduler import Scheduler

    scheduler = Scheduler(engine, standby=True)  # one web worker holds the lease and runs it
    try:
        scheduler.start()
    except SchedulerBusy as exc:
        app.logger.warning("not starting the embedded scheduler: %s", exc.detail)
        return None
    return scheduler


# Scripts only from our own files (no inline script); bpmn-js and Bootstrap Italia set style
# attributes from JS, and the bpmn.io watermark is a data: image.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)


def _security_headers(response: Response) -> Response:
    """The security headers a view did not set (looked up once, not once per header)."""
    present = {key.lower() for key, _value in response.headers}
    for key, value in SECURITY_HEADERS:
        if key.lower() not in present:
            response.headers.add(key, value)
    if "cache-control" not in present and response.mimetype == "text/html":
        response.headers.add("Cache-Control", "no-store")
    return response


def _scheduler_state(scheduler: Any) -> str:
    """alive (runs the passes), standby (another worker holds the lease), or not running."""
    if scheduler is None or not scheduler.alive:
        return "not running"
    return "alive" if scheduler.leading else "standby"


def _health(app: Flask, engine: Engine) -> None:
    @app.get("/healthz")
    def healthz() -> Any:
        """Database reachable, scheduler alive."""
        db = database_ok(engine)
        scheduler = app.extensions["percorsi_scheduler"]
        body = {
            "status": "ok" if db else "degraded",
            "database": "ok" if db else "unreachable",
            "scheduler": _scheduler_state(scheduler),
        }
        return jsonify(body), 200 if db else 503
