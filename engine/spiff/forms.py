"""JSON Schema forms: checked at deploy, and the data of every completed task validated.

Besides draft 2020-12, a form may use three keywords about dates, checked against the engine's
clock (never the browser's):
- `"x-not-after": "today"` on a date: not in the future (a PAD date, a date of birth...);
- `"x-not-before": "today"` on a date: not in the past (a meeting to be held);
- `"x-age": {"min": 16, "max": 29}` on a date of birth: the age today is within the bounds
  (either may be left out). Inside `if`, it makes a condition ("a minor": `{"max": 17}`).

Forms cannot reach out and patterns cannot hang a request:
- validation uses a `referencing` registry whose retrieval refuses everything, so a `$ref` to
  a URL or a file is never fetched; deploy refuses any `$ref` that is not local (`#...`);
- `pattern` and `patternProperties` run on RE2, a linear-time engine, and deploy refuses a
  pattern RE2 cannot run (backreferences, lookaround): `^(a+)+$` costs microseconds, not hours.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from functools import lru_cache
from typing import Any

import re2
from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators
from jsonschema.exceptions import SchemaError
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource, Unresolvable

from engine.errors import FormDataInvalid, ModelInvalid

MAX_FORM_DEPTH = 64  # nesting of a form's JSON: deeper is refused before any recursion


def _refuse_retrieval(uri: str) -> Resource[Any]:
    """Forms are self-contained: no `$ref` is ever fetched, from the network or from a file."""
    raise NoSuchResource(ref=uri)  # type: ignore[call-arg]


REGISTRY: Registry[Any] = Registry(retrieve=_refuse_retrieval)  # type: ignore[call-arg]
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False


@lru_cache(maxsize=1024)
def linear_pattern(pattern: str) -> Any:
    """The pattern compiled by RE2 (re2.error when RE2 cannot run it in linear time)."""
    return re2.compile(pattern, options=_RE2_OPTIONS)


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    if validator.is_type(instance, "string") and not linear_pattern(pattern).search(instance):
        yield ValidationError(f"{instance[:100]!r} does not match {pattern!r}")


def _pattern_properties(validator: Any, patterns: Any, instance: Any, schema: Any) -> Iterator[Any]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for key, value in instance.items():
            if linear_pattern(pattern).search(key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


FormValidator = validators.extend(
    Draft202012Validator, {"pattern": _pattern, "patternProperties": _pattern_properties}
)


def check_schema(name: str, schema: Any) -> None:
    """Refuse a form file that is not a valid JSON Schema (draft 2020-12) object schema."""
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


def refuse_control_characters(data: Any, what: str = "data") -> None:
    """FormDataInvalid naming the first field whose text holds a NUL character (no database
    stores it as text, and nobody types it)."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, str) and "\x00" in node:
            raise FormDataInvalid(
                f"{what}: {path or '(value)'} contains a NUL character, which is not accepted",
                [{"field": path or None, "code": "control_character", "message": "NUL character"}],
            )
        if isinstance(node, dict):
            stack.extend((f"{path}.{k}".lstrip("."), k) for k in node)
            stack.extend((f"{path}.{k}".lstrip("."), v) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((f"{path}.{i}".lstrip("."), v) for i, v in enumerate(node))


def _day(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None  # `format: date` names the problem


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


@lru_cache(maxsize=4)
def _validator_class(today: date) -> Any:
    """Draft 2020-12 with the date keywords, for one day."""

    def not_after(_v: Any, value: Any, instance: Any, _s: Any) -> Iterator[ValidationError]:
        day = _day(instance)
        if value == "today" and day is not None and day > today:
            yield ValidationError(f"{instance} is after today ({today.isoformat()})")

    def not_before(_v: Any, value: Any, instance: Any, _s: Any) -> Iterator[ValidationError]:
        day = _day(instance)
        if value == "today" and day is not None and day < today:
            yield ValidationError(f"{instance} is before today ({today.isoformat()})")

    def age(_v: Any, value: Any, instance: Any, _s: Any) -> Iterator[ValidationError]:
        born = _day(instance)
        if born is None or not isinstance(value, dict):
            return
        years = _age(born, today)
        if years < value.get("min", 0) or years > value.get("max", 200):
            yield ValidationError(f"aged {years}: outside {value.get('min', 0)}-{value.get('max')}")

    keywords = {"x-not-after": not_after, "x-not-before": not_before, "x-age": age}
    return validators.extend(FormValidator, keywords)


def validate_data(schema: dict[str, Any], data: Any, today: date | None = None) -> None:
    """Raise FormDataInvalid listing every field that does not match the form (`today` for the
    date keywords; the wall clock when not given)."""
    kind = _validator_class(today or date.today())
    validator = kind(schema, format_checker=FormatChecker(), registry=REGISTRY)
    try:
        errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.path)))
    except (Unresolvable, re2.error) as exc:  # a form stored before deploy refused these
        raise FormDataInvalid(
            f"the form cannot be checked: {exc}",
            [{"field": None, "code": "form", "message": "the form refers outside itself"}],
        ) from exc
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
