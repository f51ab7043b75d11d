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


def day(it: str, en: str) -> Schema:
    return _titled({"type": "string", "format": "date"}, it, en)


def number(it: str, en: str, minimum: int, maximum: int) -> Schema:
    return _titled({"type": "integer", "minimum": minimum, "maximum": maximum}, it, en)


def choice(it: str, en: str, options: list[tuple[str, str, str]]) -> Schema:
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


def form(it: str, en: str, required: list[str], **properties: Schema) -> Schema:
    """A whole form: an object schema with the draft 2020-12 marker."""
    return {"$schema": SCHEMA_URI, **obj(it, en, required, **properties)}
