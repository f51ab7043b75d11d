"""Building blocks of the bundled JSON Schema forms: Italian titles, English in x-i18n."""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]
SCHEMA_URI = "https://json-schema.org/draft/2020-12/schema"


def _titled(node: Schema, it: str, en: str) -> Schema:
    node["title"] = it
    node["x-i18n"] = {"en": {"title": en}}
    return node


def boolean(it: str, en: str, const: bool | None = None) -> Schema:
    node: Schema = {"type": "boolean"}
    if const is not None:
        node["const"] = const
    return _titled(node, it, en)


def text(it: str, en: str, max_length: int = 1000) -> Schema:
    return _titled({"type": "string", "maxLength": max_length}, it, en)


def day(it: str, en: str, *, past: bool = False, future: bool = False) -> Schema:
    """A date; `past`: not after today, `future`: not before today (engine/spiff/forms.py)."""
    node: Schema = {"type": "string", "format": "date"}
    if past:
        node["x-not-after"] = "today"
    if future:
        node["x-not-before"] = "today"
    return _titled(node, it, en)


def decimal(it: str, en: str, minimum: float, maximum: float) -> Schema:
    return _titled({"type": "number", "minimum": minimum, "maximum": maximum}, it, en)


def readable_by(node: Schema, *roles: str) -> Schema:
    """Need to know: only these roles (in the answering or the owning organisation) read it."""
    node["x-visibility"] = list(roles)
    return node


def consent(it: str, en: str, scope: str) -> Schema:
    """A consent the engine records for the case (engine/rules/consent.py)."""
    node = boolean(it, en)
    node["x-consent"] = scope
    return node


def when(field: str, value: Any, then: Schema) -> Schema:
    """A rule of the form: when `field` equals `value`, `then` applies."""
    return {"if": {"properties": {field: {"const": value}}, "required": [field]}, "then": then}


def number(it: str, en: str, minimum: int, maximum: int) -> Schema:
    return _titled({"type": "integer", "minimum": minimum, "maximum": maximum}, it, en)


def choice(it: str, en: str, options: list[tuple[str, str, str]] | tuple[Any, ...]) -> Schema:
    """A string chosen among (value, Italian label, English label)."""
    return _titled(
        {"type": "string", "oneOf": [_titled({"const": v}, oi, oe) for v, oi, oe in options]},
        it,
        en,
    )


def many(it: str, en: str, item: Schema, min_items: int = 0) -> Schema:
    node: Schema = {"type": "array", "items": item}
    if min_items:
        node["minItems"] = min_items
    return _titled(node, it, en)


def obj(it: str, en: str, required: list[str], **properties: Schema) -> Schema:
    node: Schema = {
        "type": "object",
        "required": required,
        "properties": properties,
        "additionalProperties": False,
    }
    return _titled(node, it, en)


def form(
    it: str, en: str, required: list[str], rules: list[Schema] | None = None, **properties: Schema
) -> Schema:
    """A whole form: an object schema with the draft 2020-12 marker (and its rules, allOf)."""
    node: Schema = {"$schema": SCHEMA_URI, **obj(it, en, required, **properties)}
    if rules:
        node["allOf"] = rules
    return node
