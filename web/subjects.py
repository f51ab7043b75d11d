"""The subject export as a person reads it: one HTML page to print, every value in words.

Used by the coordinators' page, the API and `percorsi subject export`; the page is
self-contained (its style inline, no script, no link to the server) so that it can be handed
over as a file, or printed to PDF from any browser.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from flask import render_template
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine.reads.subjects import SubjectCase, SubjectRecord
from engine.rules.startdata import SUBJECT

from .ui.labels import EVENTS, STATUS, TARGET_GROUPS

TASK_STATUS = {"open": _l("Aperta"), "completed": _l("Completata"), "cancelled": _l("Annullata")}


def _translation(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema's `x-i18n` entry for the reader's language (a bare string is a title)."""
    entry = (schema.get("x-i18n") or {}).get(str(get_locale() or "it"))
    if isinstance(entry, str):
        return {"title": entry}
    return entry if isinstance(entry, dict) else {}


def _title(schema: dict[str, Any], fallback: str) -> str:
    """The schema's title in the reader's language: the Italian `title` first in Italian,
    the `x-i18n` one first in another language (the form renderer's convention)."""
    own, italian = _translation(schema).get("title"), schema.get("title")
    first = italian if str(get_locale() or "it") == "it" else own
    return str(first or own or italian or fallback.replace("_", " ").capitalize())


def _option(schema: dict[str, Any], value: Any) -> str | None:
    """The label of a choice: `x-i18n.<lang>.enum`, a `oneOf`/`anyOf` constant's title."""
    translated = _translation(schema).get("enum") or {}
    if str(get_locale() or "it") != "it" and str(value) in translated:
        return str(translated[str(value)])
    for key in ("oneOf", "anyOf"):
        for option in schema.get(key) or []:
            if isinstance(option, dict) and option.get("const") == value:
                return _title(option, str(value))
    if value in (schema.get("enum") or []):
        return str(translated.get(str(value)) or value)
    return None


def value_in_words(value: Any, schema: dict[str, Any] | None) -> str:
    """One answer as a sentence fragment: yes/no, a choice's title, a date, a list..."""
    schema = schema or {}
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return str(_("Sì") if value else _("No"))
    if isinstance(value, list):
        items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
        return ", ".join(value_in_words(v, items) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{label}: {text}" for label, text in answers_in_words(value, schema))
    chosen = _option(schema, value)
    if chosen is not None:
        return chosen
    if isinstance(value, str) and schema.get("format") in ("date", "date-time"):
        return _date(value)
    return str(value)


def _date(text: str) -> str:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if len(text) <= 10:
        return str(format_date(date(moment.year, moment.month, moment.day), "medium"))
    return str(format_datetime(moment, "medium"))


def answers_in_words(data: dict[str, Any] | None, form: dict[str, Any] | None) -> list[Any]:
    """(question, answer) pairs in the form's order; answers the form does not name last."""
    data, form = dict(data or {}), form or {}
    properties = form.get("properties") or {}
    ordered = [k for k in properties if k in data] + sorted(k for k in data if k not in properties)
    return [
        (_title(properties.get(k) or {}, k), value_in_words(data[k], properties.get(k)))
        for k in ordered
    ]


def render_export(record: SubjectRecord) -> str:
    """The export page (within a request or app context, in its locale)."""
    return render_template(
        "subjects/export.html",
        record=record,
        answers=answers_in_words,
        event_label=lambda kind: str(EVENTS.get(kind, kind.replace("_", " "))),
        status_label=lambda code: str(STATUS.get(code, code)),
        task_status=lambda code: str(TASK_STATUS.get(code, code)),
        group_label=lambda code: str(TARGET_GROUPS.get(code, code)) if code else "—",
        when=lambda moment: str(format_datetime(moment, "medium")) if moment else "—",
        subject_form=_subject_form,
        locale=str(get_locale() or "it"),
    )


def _subject_form(case: SubjectCase) -> dict[str, Any]:
    """The identity's questions: the start form's `subject`, else the engine's own."""
    found = ((case.referral_form or {}).get("properties") or {}).get("subject")
    return found if isinstance(found, dict) else SUBJECT


def export_json(record: SubjectRecord) -> dict[str, Any]:
    """The same record as data (for an integration or the person's portability request)."""
    return asdict(record)
