"""Languages of the UI: Italian first, English too (Flask-Babel)."""

from __future__ import annotations

from flask import Flask, request, session
from flask_babel import Babel, get_locale

LANGUAGES = ("it", "en")


def select_locale() -> str:
    """The user's choice, else the browser's preference, else Italian."""
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return str(chosen)
    return request.accept_languages.best_match(LANGUAGES) or "it"


def init_i18n(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "it")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Europe/Rome")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(app.root_path) + "/translations")
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals.setdefault("get_locale", get_locale)
