"""JSON Schema task forms on the server: fields to render, submissions to typed data, errors.

Labels come from each property's `title` (Italian); a property may carry translations as
`"x-i18n": {"en": {"title": ..., "description": ..., "enum": {value: label}}}` (or just
`{"en": "Title"}`); enum labels may also come from `oneOf: [{"const": v, "title": label}]`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from .formtext import error_message

RADIO_LIMIT = 4  # enums with more options than this become a select
TEXTAREA_FROM = 200  # strings allowed to be longer than this get a textarea


@dataclass
class Field:
    """One input (or a group of inputs for a nested object) of a task form."""

    name: str
    widget: str
    label: str
    help: str | None = None
    required: bool = False
    options: list[tuple[str, str]] = field(default_factory=list)
    minimum: Any = None
    maximum: Any = None
    max_length: int | None = None
    step: str | None = None
    value: Any = None
    error: str | None = None
    children: list[Field] = field(default_factory=list)

    @property
    def dom_id(self) -> str:
        return "f-" + self.name.replace(".", "-")


def _type(prop: dict[str, Any]) -> str:
    kind = prop.get("type", "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    return str(kind)


def _i18n(prop: dict[str, Any], locale: str) -> dict[str, Any]:
    entry = (prop.get("x-i18n") or {}).get(locale)
    if isinstance(entry, str):
        return {"title": entry}
    return entry if isinstance(entry, dict) else {}


def _label(prop: dict[str, Any], name: str, locale: str) -> str:
    own = _i18n(prop, locale).get("title")
    if locale != "it" and own:
        return str(own)
    return str(prop.get("title") or own or name.rsplit(".", 1)[-1].replace("_", " ").capitalize())


def _help(prop: dict[str, Any], locale: str) -> str | None:
    own = _i18n(prop, locale).get("description")
    if locale != "it" and own:
        return str(own)
    found = prop.get("description") or own
    return str(found) if found else None


def _options(
    prop: dict[str, Any], locale: str, labels: dict[str, str] | None = None
) -> list[tuple[str, str]]:
    titles = {str(o.get("const")): o.get("title") for o in prop.get("oneOf", []) if "const" in o}
    values = prop.get("enum") or list(titles)
    translated = labels or _i18n(prop, locale).get("enum") or {}
    return [
        (str(v), str(translated.get(str(v)) or titles.get(str(v)) or v))
        for v in values
        if v is not None
    ]


def _widget(prop: dict[str, Any]) -> str:
    kind = _type(prop)
    if kind == "object":
        return "group"
    if kind == "boolean":
        return "yesno"
    if kind in ("integer", "number"):
        return "number"
    if kind == "array":
        return "checkboxes"
    if prop.get("enum") or prop.get("oneOf"):
        return (
            "radios" if len(prop.get("enum") or prop.get("oneOf", [])) <= RADIO_LIMIT else "select"
        )
    if prop.get("format") == "date":
        return "date"
    long_text = prop.get("maxLength", TEXTAREA_FROM + 1) > TEXTAREA_FROM
    return "textarea" if long_text or prop.get("x-widget") == "textarea" else "text"


def build_fields(
    schema: dict[str, Any],
    values: dict[str, Any],
    errors: dict[str, str],
    locale: str,
    prefix: str = "",
) -> list[Field]:
    """The fields of an object schema, filled with `values` and their error messages."""
    required = set(schema.get("required", []))
    fields = []
    for key, prop in (schema.get("properties") or {}).items():
        name = prefix + key
        widget = _widget(prop)
        item = prop.get("items", {}) if widget == "checkboxes" else prop
        f = Field(
            name=name,
            widget=widget,
            label=_label(prop, name, locale),
            help=_help(prop, locale),
            required=key in required,
            options=_options(item, locale, _i18n(prop, locale).get("enum")),
            minimum=prop.get("minimum", prop.get("exclusiveMinimum")),
            maximum=prop.get("maximum", prop.get("exclusiveMaximum")),
            max_length=prop.get("maxLength"),
            step="1" if _type(prop) == "integer" else "any",
            value=values.get(key),
            error=errors.get(name),
        )
        if widget == "group":
            found = values.get(key)
            inner: dict[str, Any] = found if isinstance(found, dict) else {}
            f.children = build_fields(prop, inner, errors, locale, name + ".")
        fields.append(f)
    return fields


def parse_submission(
    schema: dict[str, Any], form: MultiDict[str, str], prefix: str = ""
) -> dict[str, Any]:
    """Typed data from a posted form; values that cannot be typed stay as typed, to be refused."""
    data: dict[str, Any] = {}
    for key, prop in (schema.get("properties") or {}).items():
        name = prefix + key
        kind = _type(prop)
        if kind == "object":
            inner = parse_submission(prop, form, name + ".")
            if inner:
                data[key] = inner
        elif kind == "array":
            chosen = [v for v in form.getlist(name) if v != ""]
            if chosen:
                data[key] = [_coerce(prop.get("items", {}), v) for v in chosen]
        else:
            raw = form.get(name, "").strip()
            if raw != "":
                data[key] = _coerce(prop, raw)
    return data


def _coerce(prop: dict[str, Any], raw: str) -> Any:
    kind = _type(prop)
    try:
        if kind == "integer":
            return int(raw)
        if kind == "number":
            number = float(raw.replace(",", "."))
            return int(number) if number.is_integer() else number
    except ValueError:
        return raw
    if kind == "boolean":
        return {"true": True, "false": False}.get(raw, raw)
    return raw


def field_errors(schema: dict[str, Any], problems: list[dict[str, Any]]) -> dict[str, str]:
    """Messages in the user's language, by field name ('' for errors of the whole form)."""
    out: dict[str, str] = {}
    for problem in problems:
        name, prop = _owner(schema, str(problem.get("field") or ""))
        out.setdefault(name, error_message(str(problem.get("code", "")), prop))
    return out


def _owner(schema: dict[str, Any], path: str) -> tuple[str, dict[str, Any]]:
    """The deepest form field a JSON path points into (array items belong to their list)."""
    node, names = schema, list[str]()
    for part in path.split(".") if path else []:
        child = (node.get("properties") or {}).get(part)
        if child is None:
            break
        node, names = child, [*names, part]
    return ".".join(names), node
