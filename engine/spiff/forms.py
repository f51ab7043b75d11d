"""JSON Schema forms: checked at deploy, and the data of every completed task validated.

Besides draft 2020-12, a form may use three keywords about dates, checked against the engine's
clock (never the browser's):
- `"x-not-after": "today"` on a date: not in the future (a PAD date, a date of birth...);
- `"x-not-before": "today"` on a date: not in the past (a meeting to be held);
- `"x-age": {"min": 16, "max": 29}` on a date of birth: the age today is within the bounds
  (either may be left out). Inside `if`, it makes a condition ("a minor": `{"max": 17}`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators
from jsonschema.exceptions import SchemaError

from engine.errors import FormDataInvalid, ModelInvalid


def check_schema(name: str, schema: Any) -> None:
    """Refuse a form file that is not a valid JSON Schema (draft 2020-12) object schema."""
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
    return validators.extend(Draft202012Validator, keywords)


def validate_data(schema: dict[str, Any], data: Any, today: date | None = None) -> None:
    """Raise FormDataInvalid listing every field that does not match the form (`today` for the
    date keywords; the wall clock when not given)."""
    kind = _validator_class(today or date.today())
    validator = kind(schema, format_checker=FormatChecker())
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
