"""Deploy-time checks of a form: a valid JSON Schema, local `$ref`s only, patterns RE2 can run,
no nesting past MAX_FORM_DEPTH, and only what the task page can draw (`drawing_problems`).

The web renderer (web/ui/forms.py) draws exactly this subset:
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

from collections.abc import Iterator
from typing import Any

import re2
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from engine.errors import ModelInvalid
from engine.spiff.forms import MAX_FORM_DEPTH, choices, linear_pattern, value_type

SCALARS = ("string", "integer", "number", "boolean")
DRAWN_FORMATS = (None, "date", "email")
# Keywords whose meaning a page of fields cannot show (references, combinations, free keys).
UNDRAWN_KEYWORDS = (
    "$ref",
    "$dynamicRef",
    "anyOf",
    "not",
    "dependentSchemas",
    "dependentRequired",
    "patternProperties",
    "propertyNames",
    "prefixItems",
    "contains",
    "unevaluatedProperties",
    "unevaluatedItems",
)
# On an object (the form, a group, a row), conditions only add checks to the fields it draws
# (a PAD date required when ADI is yes): they are validated on the server, not drawn, so they
# may not bring fields of their own.
CONDITIONS = ("allOf", "if", "then", "else")


def check_schema(name: str, schema: Any) -> None:
    """Refuse a form file that is not a valid JSON Schema (draft 2020-12) object schema, or
    that uses something the task page cannot draw (each such field named)."""
    if not isinstance(schema, dict):
        raise ModelInvalid(
            f"{name} must hold a JSON object", [{"file": name, "message": "not an object"}]
        )
    check_depth(name, schema)
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
    problems = [{"file": name, "field": path, "message": m} for path, m in _form_problems(schema)]
    if problems:
        raise ModelInvalid(f"{name}: {problems[0]['field']}: {problems[0]['message']}", problems)
    drawn = drawing_problems(schema)
    if drawn:
        raise ModelInvalid(
            f"{name}: the task page cannot draw "
            + "; ".join(f"field {p['field']!r}: {p['message']}" for p in drawn),
            [{"file": name, **p} for p in drawn],
        )


def drawing_problems(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """Every field of a form schema the renderer cannot draw: {"field": path, "message"}."""
    problems: list[dict[str, Any]] = []
    _object_problems(schema, "", problems, in_row=False)
    return problems


def _undrawn(kind: str | None) -> tuple[str, ...]:
    return UNDRAWN_KEYWORDS if kind == "object" else UNDRAWN_KEYWORDS + CONDITIONS


def _object_problems(
    schema: dict[str, Any], prefix: str, problems: list[dict[str, Any]], *, in_row: bool
) -> None:
    properties = schema.get("properties") or {}
    for key in sorted(_conditioned(schema) - set(properties)):
        problems.append(
            {
                "field": prefix + key,
                "message": "a condition (allOf/if/then/else) names it, but the form has no such "
                "field to draw",
            }
        )
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


def _conditioned(schema: dict[str, Any]) -> set[str]:
    """The fields an object's conditions name (in `properties` or `required`), at any depth."""
    names: set[str] = set()
    stack = [schema.get(k) for k in CONDITIONS]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            names.update(str(k) for k in node.get("properties") or {})
            names.update(str(k) for k in node.get("required") or [] if isinstance(k, str))
            stack.extend(node.get(k) for k in (*CONDITIONS, "not"))
    return names


def _property_problem(
    prop: Any, path: str, problems: list[dict[str, Any]], *, in_row: bool
) -> str | None:
    """Why a property cannot be drawn (None if it can; nested problems are appended)."""
    if not isinstance(prop, dict):
        return "a field must be described by an object (true/false schemas cannot be drawn)"
    kind = value_type(prop)
    undrawn = [k for k in _undrawn(kind) if k in prop]
    if undrawn:
        return f"{', '.join(undrawn)} cannot be drawn as fields"
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
    undrawn = [k for k in _undrawn(value_type(items)) if k in items]
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


def _form_problems(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Non-local references and patterns RE2 cannot run, with their JSON path."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _form_problems(item, f"{path}/{index}")
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        here = f"{path}/{key}"
        if key in ("$ref", "$dynamicRef") and not (isinstance(value, str) and value[:1] == "#"):
            yield here, f"only local references (#/...) are allowed, not {value!r}"
        elif key == "pattern" and isinstance(value, str):
            yield from _pattern_problem(here, value)
        elif key == "patternProperties" and isinstance(value, dict):
            for pattern in value:
                yield from _pattern_problem(f"{here}/{pattern}", pattern)
        yield from _form_problems(value, here)


def _pattern_problem(path: str, pattern: str) -> Iterator[tuple[str, str]]:
    try:
        linear_pattern(pattern)
    except re2.error as exc:
        message = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else exc
        yield path, f"pattern {pattern!r} cannot run in linear time ({message})"


def check_depth(name: str, value: Any) -> None:
    """Refuse JSON nested deeper than MAX_FORM_DEPTH (walked without recursion)."""
    stack = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_FORM_DEPTH:
            raise ModelInvalid(
                f"{name} is nested deeper than {MAX_FORM_DEPTH} levels",
                [{"file": name, "message": f"nested deeper than {MAX_FORM_DEPTH} levels"}],
            )
        children = (
            node.values() if isinstance(node, dict) else node if isinstance(node, list) else []
        )
        stack.extend((child, depth + 1) for child in children)
