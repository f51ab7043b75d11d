"""Languages of the UI: Italian first, English too (Flask-Babel)."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, request, session
from flask_babel import Babel, get_locale, get_translations

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
    # Templates translate through the request's catalogue, found once per locale in force.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )


def translations() -> Any:
    """The catalogue of the locale in force, remembered for the request: Flask-Babel looks it up
    anew for every string (a page says hundreds). `force_locale` (a document in another
    language) sets another Locale object, so the catalogue is looked up again for it."""
    if not g:
        return get_translations()
    held = g.get("_flask_babel")  # Flask-Babel's request state (babel_locale: the locale in force)
    locale = getattr(held, "babel_locale", None)
    remembered = getattr(held, "percorsi_translations", None)
    if locale is not None and remembered is not None and remembered[0] is locale:
        return remembered[1]
    found = get_translations()
    held = g.get("_flask_babel")
    if held is not None:
        held.percorsi_translations = (getattr(held, "babel_locale", None), found)
    return found
