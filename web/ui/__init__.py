"""The operator and coordinator UI: server-rendered Jinja pages with Bootstrap Italia."""

from __future__ import annotations

from flask import Flask


def init_ui(app: Flask) -> None:
    """Register the UI's blueprints (each page group is one small blueprint)."""
    from .pages import bp as pages

    app.register_blueprint(pages)
