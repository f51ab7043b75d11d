"""Earlier answers in words: each value of a completed form shown through its form's schema.

Titles for keys, option labels for codes, Sì/No for booleans, Italian dates, lists of objects as
small tables and nested objects as nested lists; never a key, a code or a Python repr.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from engine.spiff.forms import choice_label, choices, value_type

from .forms import humanized, label_of
from .words import day, number


@dataclass
class Answer:
    """One answered field: a text, a table (list of objects) or nested answers (object)."""

    label: str
    text: str = ""
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    children: list[Answer] = field(default_factory=list)


def answers(
    schema: dict[str, Any] | None, data: dict[str, Any] | None, locale: str
) -> list[Answer]:
    """The answers of a completed form, in the form's order (keys it does not know last)."""
    data = data if isinstance(data, dict) else {}
    properties = (schema or {}).get("properties") or {}
    found = [
        _answer(properties[key], key, data[key], locale)
        for key in properties
        if key in data and data[key] not in (None, "", [])
    ]
    found += [
        _answer({}, key, value, locale)
        for key, value in data.items()
        if key not in properties and value not in (None, "", [])
    ]
    return found


def _answer(prop: Any, key: str, value: Any, locale: str) -> Answer:
    prop = prop if isinstance(prop, dict) else {}
    label = label_of(prop, key, locale) if prop else humanized(key)
    if isinstance(value, dict):
        return Answer(label, children=answers(prop, value, locale))
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return _table(label, prop.get("items") or {}, value, locale)
    if isinstance(value, list):
        item = prop.get("items") or {}
        shown = [_value(item, v, locale, prop) for v in value]
        return Answer(label, text=", ".join(shown))
    return Answer(label, text=_value(prop, value, locale))


def _table(label: str, item: dict[str, Any], rows: list[dict[str, Any]], locale: str) -> Answer:
    """A list of objects as a small table: one column per field, in the form's order."""
    properties = item.get("properties") or {}
    keys = [k for k in properties if any(k in r for r in rows)]
    keys += sorted({k for r in rows for k in r} - set(keys))
    columns = [
        label_of(properties[k], k, locale) if k in properties else humanized(k) for k in keys
    ]
    cells = [
        [_value(properties.get(k) or {}, r[k], locale) if k in r else "—" for k in keys]
        for r in rows
    ]
    return Answer(label, columns=columns, rows=cells)


def _value(
    prop: dict[str, Any], value: Any, locale: str, owner: dict[str, Any] | None = None
) -> str:
    """One value in words."""
    if value is None:
        return "—"
    if isinstance(value, bool) and choices(prop) is None:
        return str(_("Sì") if value else _("No"))
    text = "true" if value is True else "false" if value is False else str(value)
    labels = (owner or {}).get("x-i18n", {}).get(locale) if owner else None
    own = (labels.get("enum") or {}).get(text) if isinstance(labels, dict) else None
    if own:  # a checkbox group's labels given on the list
        return str(own)
    if choices(prop) is not None:
        return choice_label(prop, value, locale) or humanized(text)
    if prop.get("format") == "date" or (isinstance(value, str) and _looks_like_date(value)):
        return day(value)
    if isinstance(value, (int, float)) and value_type(prop) in ("integer", "number", "string"):
        return number(value)
    if isinstance(value, (dict, list)):
        inner = value.values() if isinstance(value, dict) else value
        return ", ".join(_value({}, v, locale) for v in inner)
    return str(value)


def _looks_like_date(text: str) -> bool:
    return len(text) == 10 and text[4] == "-" and text[7] == "-" and text[:4].isdigit()
