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

A form may use only what the task page can draw: deploy checks it (engine/spiff/form_checks.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from functools import lru_cache
from typing import Any

import re2
from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource, Unresolvable

from engine.errors import FormDataInvalid

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


def sample_case(
    forms: dict[str, Any], keys: list[str], data: dict[str, Any], today: date | None = None
) -> dict[str, Any]:
    """Case data as the forms `keys` would leave it (a plausible value per field), then `data`:
    what the Modeler tries conditions, scripts and "Prova" on."""
    sample: dict[str, Any] = {}
    for key in keys:
        schema = forms.get(key)
        props = schema.get("properties") if isinstance(schema, dict) else None
        required = set(schema.get("required") or []) if isinstance(schema, dict) else set()
        for name, prop in (props or {}).items():
            if _sampled(prop, name in required):
                sample[str(name)] = sample_value(prop, str(name), today or date.today())
    sample.update(data)
    return sample


def _sampled(prop: Any, required: bool) -> bool:
    """Fields with a pattern or a special format are sampled only when required."""
    if not isinstance(prop, dict):
        return False
    special = "pattern" in prop or prop.get("format") not in (None, "date")
    return required or not special


def sample_value(prop: dict[str, Any], name: str, today: date) -> Any:
    """A value a field of this kind could hold: its constant, its first choice, a date (of
    birth: an adult's), a number, yes, a word, or an object of its required fields."""
    if "const" in prop:
        return prop["const"]
    options = choices(prop)
    if options:
        return options[0]
    kind = value_type(prop)
    if kind == "string" and prop.get("format") == "date":
        born = "birth" in name or "nascita" in name
        return (today.replace(year=today.year - 30) if born else today).isoformat()
    if kind == "array":
        items = prop.get("items")
        return (
            [sample_value(items, name, today)] if isinstance(items, dict) and choices(items) else []
        )
    if kind == "object":
        props, required = prop.get("properties") or {}, set(prop.get("required") or [])
        return {
            str(k): sample_value(v, str(k), today)
            for k, v in props.items()
            if k in required and isinstance(v, dict)
        }
    return {"integer": 1, "number": 1, "boolean": True}.get(str(kind), "Prova")
