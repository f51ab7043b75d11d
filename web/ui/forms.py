"""JSON Schema task forms on the server: fields to render, submissions to typed data, errors.

The one renderer of the app (task pages, referrals, the modeler's preview). It draws the subset
of JSON Schema that `engine.spiff.form_checks.drawing_problems` lets a form use at deploy: text,
dates, e-mail, numbers with bounds, yes/no, choices (radios or a select), checkbox groups,
nested groups, and arrays of objects as repeatable rows. Rows work without JavaScript: every row
posts a marker field, and "add"/"remove" are submit buttons the page answers by drawing the form
again; with JavaScript (percorsi.js) the same buttons add and remove rows in place.

Labels come from each property's `title` (Italian); a property may carry translations as
`"x-i18n": {"en": {"title": ..., "description": ..., "enum": {value: label}}}` (or just
`{"en": "Title"}`); choice labels may also come from `oneOf: [{"const": v, "title": label}]`,
each option with its own `x-i18n`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from engine.spiff.forms import choice_label, choices, value_type

from .formtext import error_message

RADIO_LIMIT = 4  # choices with more options than this become a select
TEXTAREA_FROM = 200  # strings allowed to be longer than this get a textarea
ROW_MARKER = "__row"  # posted by every row, so that a blank row still counts without JavaScript
ROW_SLOT = "__i__"  # the row index in the template a script copies for a new row


@dataclass
class Field:
    """One input, or a group of inputs (nested object, list of rows, one row) of a form."""

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
    template: Field | None = None  # a list's empty row, with ROW_SLOT for its index
    min_items: int = 0
    max_items: int | None = None
    item_label: str = ""
    number: int = 0  # a row's position, from 1

    @property
    def dom_id(self) -> str:
        return "f-" + self.name.replace(".", "-")

    @property
    def add_label(self) -> str:
        """ "servizio" from "Servizio" (an acronym such as "CPI" keeps its capitals)."""
        text = self.item_label
        return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _type(prop: dict[str, Any]) -> str:
    return value_type(prop) or "string"


def _i18n(prop: dict[str, Any], locale: str) -> dict[str, Any]:
    entry = (prop.get("x-i18n") or {}).get(locale)
    if isinstance(entry, str):
        return {"title": entry}
    return entry if isinstance(entry, dict) else {}


def humanized(key: str) -> str:
    """A label for a property without a title: `first_meeting_date` -> "First meeting date"."""
    return key.rsplit(".", 1)[-1].replace("_", " ").strip().capitalize()


def label_of(prop: dict[str, Any], name: str, locale: str) -> str:
    """The property's title in the UI's language (its Italian title, or its key in words)."""
    own = _i18n(prop, locale).get("title")
    if locale != "it" and own:
        return str(own)
    return str(prop.get("title") or own or humanized(name))


def _help(prop: dict[str, Any], locale: str) -> str | None:
    own = _i18n(prop, locale).get("description")
    if locale != "it" and own:
        return str(own)
    found = prop.get("description") or own
    return str(found) if found else None


def options_of(
    prop: dict[str, Any], locale: str, labels: dict[str, str] | None = None
) -> list[tuple[str, str]]:
    """(value, label) of a choice, labels in the UI's language."""
    labels = labels or {}
    return [
        (_text(v), str(labels.get(_text(v)) or choice_label(prop, v, locale) or v))
        for v in choices(prop) or []
        if v is not None
    ]


def _text(value: Any) -> str:
    """A choice's value as a form posts it (true/false for booleans)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _widget(prop: dict[str, Any]) -> str:
    kind = _type(prop)
    if kind == "array":
        return "repeat" if _type(prop.get("items") or {}) == "object" else "checkboxes"
    if kind == "object":
        return "group"
    values = choices(prop)
    if values is not None:
        return "radios" if len(values) <= RADIO_LIMIT else "select"
    if kind == "boolean":
        return "yesno"
    if kind in ("integer", "number"):
        return "number"
    if prop.get("format") in ("date", "email"):
        return str(prop["format"])
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
        item = prop.get("items", {}) if widget in ("checkboxes", "repeat") else prop
        f = Field(
            name=name,
            widget=widget,
            label=label_of(prop, name, locale),
            help=_help(prop, locale),
            required=key in required,
            options=options_of(item, locale, _i18n(prop, locale).get("enum")),
            minimum=prop.get("minimum", prop.get("exclusiveMinimum")),
            maximum=prop.get("maximum", prop.get("exclusiveMaximum")),
            max_length=prop.get("maxLength"),
            step="1" if _type(prop) == "integer" else "any",
            value=values.get(key),
            error=errors.get(name),
            min_items=int(prop.get("minItems") or 0),
            max_items=prop.get("maxItems"),
        )
        if widget == "group":
            found = values.get(key)
            inner: dict[str, Any] = found if isinstance(found, dict) else {}
            f.children = build_fields(prop, inner, errors, locale, name + ".")
        elif widget == "repeat":
            _rows(f, item, values.get(key), errors, locale)
        fields.append(f)
    return fields


def _rows(f: Field, item: dict[str, Any], found: Any, errors: dict[str, str], locale: str) -> None:
    """A list's rows (at least one, or its minItems) and the empty row a script copies."""
    rows = [r if isinstance(r, dict) else {} for r in found] if isinstance(found, list) else []
    rows += [{}] * (max(f.min_items, 1) - len(rows))
    f.item_label = label_of(item, f.name, locale) if item.get("title") else f.label
    f.children = [_row(f, item, i, row, errors, locale) for i, row in enumerate(rows)]
    f.template = _row(f, item, ROW_SLOT, {}, {}, locale)


def _row(
    f: Field,
    item: dict[str, Any],
    index: int | str,
    values: dict[str, Any],
    errors: dict[str, str],
    locale: str,
) -> Field:
    name = f"{f.name}.{index}"
    row = Field(name=name, widget="row", label=f.item_label, error=errors.get(name))
    row.number = index + 1 if isinstance(index, int) else 0
    row.children = build_fields(item, values, errors, locale, name + ".")
    return row


def initial_values(schema: dict[str, Any]) -> dict[str, Any]:
    """The `default` values of a form's fields, for a form nobody has filled in yet."""
    values: dict[str, Any] = {}
    for key, prop in (schema.get("properties") or {}).items():
        if not isinstance(prop, dict):
            continue
        if "default" in prop:
            values[key] = prop["default"]
        elif _type(prop) == "object":
            inner = initial_values(prop)
            if inner:
                values[key] = inner
    return values


def parse_submission(
    schema: dict[str, Any], form: MultiDict[str, str], prefix: str = "", keep_blank: bool = False
) -> dict[str, Any]:
    """Typed data from a posted form; values that cannot be typed stay as typed, to be refused.

    Rows left blank are dropped (kept, empty, with `keep_blank`, to draw the form again)."""
    data: dict[str, Any] = {}
    for key, prop in (schema.get("properties") or {}).items():
        name = prefix + key
        widget = _widget(prop)
        if widget == "group":
            inner = parse_submission(prop, form, name + ".", keep_blank)
            if inner:
                data[key] = inner
        elif widget == "repeat":
            rows = [
                parse_submission(prop.get("items") or {}, form, f"{name}.{i}.", keep_blank)
                for i in row_indices(form, name)
            ]
            rows = rows if keep_blank else [r for r in rows if r]
            if rows:
                data[key] = rows
        elif widget == "checkboxes":
            chosen = [v for v in form.getlist(name) if v != ""]
            if chosen:
                data[key] = [_coerce(prop.get("items", {}), v) for v in chosen]
        else:
            raw = form.get(name, "").strip()
            if raw != "":
                data[key] = _coerce(prop, raw)
    return data


def row_indices(form: MultiDict[str, str], name: str) -> list[int]:
    """The indices of a list's posted rows, in order (a script may leave gaps)."""
    pattern = re.compile(re.escape(name) + r"\.(\d+)\.")
    return sorted({int(m.group(1)) for key in form if (m := pattern.match(key))})


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


def row_change(
    schema: dict[str, Any], form: MultiDict[str, str]
) -> tuple[dict[str, Any], str | None] | None:
    """For an "add:<list>" or "remove:<list>.<i>" submit: the values drawn again with the row
    added or removed, and the field to focus. None for any other submit."""
    action = form.get("action", "")
    verb, _sep, target = action.partition(":")
    if verb not in ("add", "remove") or not target:
        return None
    if verb == "remove":
        kept = [(k, v) for k, v in form.items(multi=True) if not k.startswith(target + ".")]
        values = parse_submission(schema, MultiDict(kept), keep_blank=True)
        return values, target.rpartition(".")[0] + ":add"
    values = parse_submission(schema, form, keep_blank=True)
    rows = _list_at(values, schema, target)
    if rows is None:
        return values, None
    rows.append({})
    return values, f"{target}.{len(rows) - 1}"


def _list_at(values: dict[str, Any], schema: dict[str, Any], path: str) -> list[Any] | None:
    """The list of rows at a dotted path of the values (created when absent)."""
    node: Any = values
    prop: dict[str, Any] = schema
    parts = path.split(".")
    for i, part in enumerate(parts):
        prop = (prop.get("properties") or {}).get(part) or (prop.get("items") or {})
        if not isinstance(prop, dict):
            return None
        last = i == len(parts) - 1
        if part.isdigit() and isinstance(node, list) and int(part) < len(node):
            node = node[int(part)]
            continue
        if not isinstance(node, dict):
            return None
        node = node.setdefault(part, [] if last else ({} if _type(prop) == "object" else []))
    return node if isinstance(node, list) else None


def focus_target(fields: list[Field], name: str | None) -> str | None:
    """The input to focus for a row just added (its first field), or a list's add button."""
    if not name or name.endswith(":add"):
        return name
    for f in walk(fields):
        if f.name == name and f.widget == "row":
            leaves = [c for c in walk(f.children) if c.widget not in ("group", "repeat", "row")]
            return leaves[0].name if leaves else None
    return None


def walk(fields: list[Field]) -> list[Field]:
    """The fields and all the fields inside them, in page order."""
    found: list[Field] = []
    for f in fields:
        found += [f, *walk(f.children)]
    return found


def field_errors(schema: dict[str, Any], problems: list[dict[str, Any]]) -> dict[str, str]:
    """Messages in the user's language, by field name ('' for errors of the whole form)."""
    out: dict[str, str] = {}
    for problem in problems:
        name, prop = _owner(schema, str(problem.get("field") or ""))
        out.setdefault(name, error_message(str(problem.get("code", "")), prop, problem))
    return out


def _owner(schema: dict[str, Any], path: str) -> tuple[str, dict[str, Any]]:
    """The deepest form field a JSON path points into: a row's field keeps its row index;
    a checkbox group's items belong to the group."""
    node, names = schema, list[str]()
    for part in path.split(".") if path else []:
        items = node.get("items") if _widget(node) == "repeat" else None
        if isinstance(items, dict) and part.isdigit():
            node, names = items, [*names, part]
            continue
        child = (node.get("properties") or {}).get(part)
        if not isinstance(child, dict):
            break
        node, names = child, [*names, part]
    return ".".join(names), node
