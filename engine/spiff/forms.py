"""JSON Schema forms: checked at deploy, and the data of every completed task validated."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
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
