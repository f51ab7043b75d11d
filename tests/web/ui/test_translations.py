"""Every UI text has its English translation, and the catalogue holds all the source's texts."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[3]
CATALOGUE = ROOT / "web" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
METHODS = [("web/**.py", "python"), ("web/templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def _source_ids() -> set[str]:
    found = extract_from_dir(str(ROOT), METHODS, keywords=KEYWORDS)
    return {m[2] if isinstance(m[2], str) else m[2][0] for m in found}


def test_english_catalogue_translates_every_text_of_the_ui() -> None:
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle, locale="en")
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalogue
        if m.id and m.string and (isinstance(m.string, str) or all(m.string)) and not m.fuzzy
    }
    missing = _source_ids() - translated
    assert not missing, f"run `make messages` and translate: {sorted(missing)}"


def test_templates_follow_a_locale_forced_inside_the_request() -> None:
    """Templates remember the request's catalogue; a document forced into another language
    (force_locale) is still written in that language, and the page after it in the first."""
    from flask import render_template_string
    from flask_babel import force_locale

    from engine import Settings
    from web.app import create_app
    from web.composition import build_engine

    app = create_app(engine=build_engine(Settings.from_env({}, database_url="sqlite://")))
    page = '{{ _("Azione") }} {{ ngettext("%(num)d attività", "%(num)d attività", 2) }}'
    with app.test_request_context(headers={"Accept-Language": "it"}):
        assert render_template_string(page) == "Azione 2 attività"
        with force_locale("en"):
            assert render_template_string(page).startswith("Action ")
        assert render_template_string(page) == "Azione 2 attività"
