"""The Flask application factory."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify

from engine import Engine, Settings

from .composition import build_engine


def create_app(
    test_config: dict[str, Any] | None = None,
    *,
    engine: Engine | None = None,
    start_scheduler: bool = False,
) -> Flask:
    """Build the app around one engine; the scheduler runs inside it when asked."""
    app = Flask(__name__)
    app.config.from_mapping(test_config or {})
    engine = engine or build_engine(Settings.from_env())
    app.extensions["percorsi"] = engine
    scheduler = None
    if start_scheduler:
        from engine.errors import SchedulerBusy
        from engine.scheduler import Scheduler

        scheduler = Scheduler(engine)
        try:
            scheduler.start()
        except SchedulerBusy as exc:  # a separate `percorsi scheduler` holds it: serve anyway
            app.logger.warning("not starting the embedded scheduler: %s", exc.detail)
            scheduler = None
    app.extensions["percorsi_scheduler"] = scheduler

    @app.get("/healthz")
    def healthz() -> Any:
        """Database reachable, scheduler alive."""
        from engine.health import database_ok

        db = database_ok(engine)
        body = {
            "status": "ok" if db else "degraded",
            "database": "ok" if db else "unreachable",
            "scheduler": "alive" if scheduler and scheduler.alive else "not running",
        }
        return jsonify(body), 200 if db else 503

    return app
