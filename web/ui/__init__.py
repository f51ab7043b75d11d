"""The operator and coordinator UI: server-rendered Jinja pages with Bootstrap Italia."""

from __future__ import annotations

from flask import Flask

from ..csrf import init_csrf


def init_ui(app: Flask) -> None:
    """Register the UI's blueprints (each page group is one small blueprint)."""
    from .dashboard import bp as dashboard
    from .models import bp as models
    from .pages import bp as pages

    init_csrf(app)
    app.register_blueprint(pages)
    app.register_blueprint(models)
    app.register_blueprint(dashboard)
