"""JSON Schema forms: checked at deploy, and the data of every completed task validated.

A form may use only what the task page can draw (`drawing_problems`); the web renderer
(web/ui/forms.py) draws exactly this subset:
- strings: free text, `format` "date" or "email", or a choice (`enum`, or `oneOf` of `const`
  options with titles); integers and numbers, with bounds; booleans (`const: true` for a
  confirmation);
- objects with `properties`, drawn as a group of fields (nested to any depth);
- arrays of choices, drawn as checkboxes;
- arrays of objects, drawn as repeatable rows (a list of rows inside a row is not drawn);
- `type` may add "null" to one of these types.
Anything else (`$ref`, `anyOf`, conditionals, a free list...) is refused, naming the field.
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError

from engine.errors import FormDataInvalid, ModelInvalid

SCALARS = ("string", "integer", "number", "boolean")
DRAWN_FORMATS = (None, "date", "email")
# Keywords whose meaning a page of fields cannot show (conditions, references, combinations).
UNDRAWN_KEYWORDS = (
    "$ref",
    "$dynamicRef",
    "anyOf",
    "allOf",
    "not",
    "if",
    "then",
    "else",
    "dependentSchemas",
    "dependentRequired",
    "patternProperties",
    "propertyNames",
    "prefixItems",
    "contains",
    "unevaluatedProperties",
    "unevaluatedItems",
)


def check_schema(name: str, schema: Any) -> None:
    """Refuse a form file that is not a valid JSON Schema (draft 2020-12) object schema, or
    that uses something the task page cannot draw (each such field named)."""
    if not isinstance(schema, dict):
        raise ModelInvalid(
            f"{name} must hold a JSON object", [{"file": name, "message": "not an object"}]
        )
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        path = "/".join(str(p) for p in exc.path)
        raise ModelInvalid(
            f"{name} is not a valid JSON Schema: {exc.message}",
            [{"file": name, "field": path or None, "message": exc.message}],
        ) from exc
    if schema.get("type", "object") != "object":
        raise ModelInvalid(
            f"{name}: a form schema must describe an object", [{"file": name, "message": "type"}]
        )
    problems = drawing_problems(schema)
    if problems:
        raise ModelInvalid(
            f"{name}: the task page cannot draw "
            + "; ".join(f"field {p['field']!r}: {p['message']}" for p in problems),
            [{"file": name, **p} for p in problems],
        )


def drawing_problems(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """Every field of a form schema the renderer cannot draw: {"field": path, "message"}."""
    problems: list[dict[str, Any]] = []
    _object_problems(schema, "", problems, in_row=False)
    return problems


def value_type(prop: dict[str, Any]) -> str | None:
    """The one JSON type of a property ("string" when none is given; None when several are)."""
    kind = prop.get("type", "string")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        return str(kinds[0]) if len(kinds) == 1 else None
    return str(kind)


def choices(prop: dict[str, Any]) -> list[Any] | None:
    """The values of a choice (`enum`, or `oneOf` of `const` options); None if not a choice."""
    if "enum" in prop:
        return list(prop["enum"])
    options = prop.get("oneOf")
    if isinstance(options, list) and options:
        return [o.get("const") for o in options if isinstance(o, dict)]
    return None


def _object_problems(
    schema: dict[str, Any], prefix: str, problems: list[dict[str, Any]], *, in_row: bool
) -> None:
    properties = schema.get("properties") or {}
    for key in schema.get("required") or []:
        if key not in properties:
            problems.append(
                {
                    "field": prefix + str(key),
                    "message": "it is required but has no property, so the form could never "
                    "be completed",
                }
            )
    for key, prop in properties.items():
        path = prefix + str(key)
        reason = _property_problem(prop, path, problems, in_row=in_row)
        if reason:
            problems.append({"field": path, "message": reason})


def _property_problem(
    prop: Any, path: str, problems: list[dict[str, Any]], *, in_row: bool
) -> str | None:
    """Why a property cannot be drawn (None if it can; nested problems are appended)."""
    if not isinstance(prop, dict):
        return "a field must be described by an object (true/false schemas cannot be drawn)"
    undrawn = [k for k in UNDRAWN_KEYWORDS if k in prop]
    if undrawn:
        return f"{', '.join(undrawn)} cannot be drawn as fields"
    kind = value_type(prop)
    if kind is None:
        return "a field may have one type (plus null), not several"
    options = choices(prop)
    if options is not None:
        return _choice_problem(prop, options, kind)
    if "const" in prop and kind != "boolean":
        return "a fixed value (const) is drawn only for a yes/no confirmation"
    if kind == "string" and prop.get("format") not in DRAWN_FORMATS:
        return f"format {prop.get('format')!r} has no input (use date, email or none)"
    if kind == "object":
        if not prop.get("properties"):
            return "an object without properties has no fields to draw"
        _object_problems(prop, path + ".", problems, in_row=in_row)
        return None
    if kind == "array":
        return _array_problem(prop, path, problems, in_row=in_row)
    return None if kind in SCALARS else f"type {kind!r} cannot be drawn"


def _choice_problem(prop: dict[str, Any], options: list[Any], kind: str) -> str | None:
    if kind not in SCALARS:
        return f"a choice must be of strings or numbers, not of {kind}"
    one_of = prop.get("oneOf")
    if (
        "enum" not in prop
        and isinstance(one_of, list)
        and not all(isinstance(o, dict) and "const" in o for o in one_of)
    ):
        return "oneOf is drawn only as a choice: every option needs a const (and a title)"
    if not options or any(isinstance(v, (dict, list)) for v in options):
        return "the options of a choice must be plain values"
    return None


def _array_problem(
    prop: dict[str, Any], path: str, problems: list[dict[str, Any]], *, in_row: bool
) -> str | None:
    items = prop.get("items")
    if not isinstance(items, dict):
        return "a list needs `items`: a choice (checkboxes) or an object (rows)"
    undrawn = [k for k in UNDRAWN_KEYWORDS if k in items]
    if undrawn:
        return f"its items use {', '.join(undrawn)}, which cannot be drawn"
    if value_type(items) == "object":
        if in_row:
            return "a list of rows inside a row of another list cannot be drawn"
        if not items.get("properties"):
            return "its rows are objects without properties: no fields to draw"
        _object_problems(items, path + ".", problems, in_row=True)
        return None
    options = choices(items)
    if options is None:
        return "a list of free values cannot be drawn: give its items a choice (enum or oneOf)"
    return _choice_problem(items, options, value_type(items) or "several types")


def validate_data(schema: dict[str, Any], data: Any) -> None:
    """Raise FormDataInvalid listing every field that does not match the form."""
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.path)))
    if not errors:
        return
    problems = [_problem(e) for e in errors]
    raise FormDataInvalid(
        f"{len(problems)} field(s) do not match the form: "
        + "; ".join(f"{p['field'] or '(form)'}: {p['message']}" for p in problems),
        problems,
    )


def _problem(error: Any) -> dict[str, Any]:
    path = [str(p) for p in error.path]
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [
            k for k in error.validator_value if k not in error.instance and repr(k) in error.message
        ]
        if missing:
            path.append(missing[0])
    return {"field": ".".join(path) or None, "code": error.validator, "message": error.message}


LANGUAGES = ("it", "en")


def translated(prop: dict[str, Any], key: str, locale: str) -> Any:
    """A property's `title`/`description`/`enum` labels in `locale` (its `x-i18n` entry)."""
    entry = (prop.get("x-i18n") or {}).get(locale)
    if isinstance(entry, str):
        entry = {"title": entry}
    return entry.get(key) if isinstance(entry, dict) else None


def choice_label(prop: dict[str, Any], value: Any, locale: str) -> str | None:
    """The label of one value of a choice, in `locale` (Italian titles are the default)."""
    labels = translated(prop, "enum", locale) or {}
    text = "true" if value is True else "false" if value is False else str(value)
    if isinstance(labels, dict) and labels.get(text):
        return str(labels[text])
    for option in prop.get("oneOf") or []:
        if isinstance(option, dict) and option.get("const") == value:
            own = translated(option, "title", locale) if locale != "it" else None
            return str(own or option.get("title") or text)
    return None


def collection_items(forms: dict[str, Any], collection: str) -> dict[str, Any] | None:
    """The item schema of the first list named `collection` in a version's forms."""
    for schema in forms.values():
        found = _find_list(schema, collection) if isinstance(schema, dict) else None
        if found is not None:
            return found
    return None


def _find_list(schema: dict[str, Any], name: str) -> dict[str, Any] | None:
    for key, prop in (schema.get("properties") or {}).items():
        if not isinstance(prop, dict):
            continue
        items = prop.get("items")
        if key == name and value_type(prop) == "array" and isinstance(items, dict):
            return items
        if value_type(prop) == "object":
            found = _find_list(prop, name)
            if found is not None:
                return found
    return None


def item_labels(forms: dict[str, Any], item: dict[str, Any] | None) -> dict[str, str] | None:
    """What a multi-instance task works on, in words ({"it": ..., "en": ...}): the label of
    the item's first chosen option (e.g. the service type), else its first text."""
    if not item or not item.get("collection"):
        return None
    schema = collection_items(forms, str(item["collection"])) or {}
    value = item.get("value")
    if not isinstance(value, dict):
        labels = {lang: choice_label(schema, value, lang) for lang in LANGUAGES}
        return {k: v for k, v in labels.items() if v} or None
    for key, prop in (schema.get("properties") or {}).items():
        if isinstance(prop, dict) and choices(prop) is not None and key in value:
            found = {lang: choice_label(prop, value[key], lang) for lang in LANGUAGES}
            if all(found.values()):
                return {k: str(v) for k, v in found.items()}
    texts = [v for v in value.values() if isinstance(v, str) and v and not _is_date(v)]
    return {lang: texts[0] for lang in LANGUAGES} if texts else None


def _is_date(text: str) -> bool:
    return len(text) == 10 and text[4] == "-" and text[7] == "-"
