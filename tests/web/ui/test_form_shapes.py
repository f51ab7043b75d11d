"""The renderer and the deploy check agree: every form the check accepts is drawn with an input
for each field (rows included), and what a browser posts comes back as the data it stands for;
every shape the check refuses is refused with the field named."""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Any

import pytest
from flask import Flask, render_template_string
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from engine.errors import ModelInvalid
from engine.spiff.form_checks import check_schema, drawing_problems
from engine.spiff.forms import validate_data
from web.ui.forms import build_fields, parse_submission, row_change

KEYS = st.sampled_from(["nome", "data_inizio", "esito", "note", "servizi", "ore", "tipo", "x1"])
TITLES = st.sampled_from(["Nome", "Data di inizio", "Esito", "Note", "Ore", "Tipo"])
OPTIONS = st.lists(
    st.sampled_from(["orientamento", "formazione", "tirocinio", "gol_4", "altro"]),
    min_size=2,
    max_size=5,
    unique=True,
)


def _choice(values: list[str], titled: bool) -> dict[str, Any]:
    if titled:
        return {"oneOf": [{"const": v, "title": v.replace("_", " ").title()} for v in values]}
    return {"enum": values}


def scalar() -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        st.builds(lambda n: {"type": "string", "maxLength": n}, st.sampled_from([40, 500])),
        st.just({"type": "string", "format": "date"}),
        st.just({"type": "string", "format": "email"}),
        st.just({"type": ["string", "null"]}),
        st.just({"type": "integer", "minimum": 0, "maximum": 99}),
        st.just({"type": "number", "exclusiveMinimum": 0}),
        st.just({"type": "boolean"}),
        st.just({"type": "boolean", "const": True}),
        st.builds(lambda v, t: {"type": "string", **_choice(v, t)}, OPTIONS, st.booleans()),
        st.builds(
            lambda v, t: {"type": "array", "items": {"type": "string", **_choice(v, t)}},
            OPTIONS,
            st.booleans(),
        ),
    )


def obj(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    def make(props: dict[str, Any], title: str, required: bool) -> dict[str, Any]:
        schema = {"type": "object", "title": title, "properties": props}
        if required:
            schema["required"] = [next(iter(props))]
        return schema

    return st.builds(
        make, st.dictionaries(KEYS, children, min_size=1, max_size=3), TITLES, st.booleans()
    )


def titled(prop: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(lambda p, t: {**p, "title": t}, prop, TITLES)


ROW_FIELD = st.recursive(titled(scalar()), obj, max_leaves=4)
ROWS = st.builds(
    lambda item, n: {"type": "array", "title": "Servizi", "minItems": n, "items": item},
    obj(ROW_FIELD),
    st.sampled_from([0, 1, 2]),
)
FIELD = st.recursive(st.one_of(titled(scalar()), ROWS), obj, max_leaves=5)
FORMS = obj(FIELD).map(lambda s: {k: v for k, v in s.items() if k != "title"})


def leaves(schema: dict[str, Any], prefix: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every field a person fills in, by the name the page posts (rows at index 0)."""
    found = []
    for key, prop in schema["properties"].items():
        name = prefix + key
        items = prop.get("items") or {}
        if prop.get("type") == "object":
            found += leaves(prop, name + ".")
        elif prop.get("type") == "array" and items.get("type") == "object":
            found += leaves(items, f"{name}.0.")
        else:
            found.append((name, prop))
    return found


def drawn(app: Flask, schema: dict[str, Any], values: dict[str, Any] | None = None) -> str:
    with app.test_request_context():
        fields = build_fields(schema, values or {}, {}, "it")
        return render_template_string(
            '{% from "tasks/_fields.html" import render_field with context %}'
            "{% for f in fields %}{{ render_field(f) }}{% endfor %}",
            fields=fields,
            form_readonly=False,
            form_focus=None,
        )


def typed(prop: dict[str, Any]) -> tuple[Any, list[str]]:
    """A valid value for a field, and what a browser posts for it."""
    options = [o["const"] for o in prop.get("oneOf", [])] or prop.get("enum")
    kind = prop["type"][0] if isinstance(prop["type"], list) else prop["type"]
    if kind == "array":
        items = prop["items"]
        chosen = ([o["const"] for o in items.get("oneOf", [])] or items["enum"])[:2]
        return chosen, chosen
    if options:
        return options[-1], [str(options[-1])]
    if kind == "boolean":
        return True, ["true"]
    if kind in ("integer", "number"):
        return 7, ["7"]
    if prop.get("format") == "date":
        return "2027-03-31", ["2027-03-31"]
    if prop.get("format") == "email":
        return "sportello@example.org", ["sportello@example.org"]
    return "Testo libero", ["Testo libero"]


def put(data: dict[str, Any], name: str, value: Any) -> None:
    parts = name.split(".")
    node: Any = data
    for part, following in pairwise(parts):
        if following.isdigit():
            node = node.setdefault(part, [{}])
        elif part.isdigit():
            node = node[int(part)]
        else:
            node = node.setdefault(part, {})
    node[parts[-1]] = value


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(schema=FORMS)
def test_every_form_the_check_accepts_is_drawn_and_read_back(
    app: Flask, schema: dict[str, Any]
) -> None:
    assert drawing_problems(schema) == []
    check_schema("generated.json", schema)
    page = drawn(app, schema)
    posted = MultiDict()
    expected: dict[str, Any] = {}
    for name, prop in leaves(schema):
        assert f'name="{name}"' in page, f"no input for {name}"
        if ".0." in name:
            template = re.sub(r"\.0\.", ".__i__.", name, count=1)
            assert f'name="{template}"' in page, f"no input for {template} in the new row"
            posted.add(name.split(".0.")[0] + ".0.__row", "1")
        value, sent = typed(prop)
        for text in sent:
            posted.add(name, text)
        put(expected, name, value)
    assert parse_submission(schema, posted) == expected


def test_a_list_of_objects_is_drawn_as_rows_with_an_empty_one_to_copy(app: Flask) -> None:
    schema = {
        "type": "object",
        "properties": {
            "services": {
                "type": "array",
                "title": "Servizi da attivare",
                "items": {
                    "type": "object",
                    "title": "Servizio",
                    "required": ["type"],
                    "properties": {
                        "type": {"type": "string", "title": "Tipo", "enum": ["a", "b"]},
                        "end_date": {"type": "string", "format": "date", "title": "Fine"},
                    },
                },
            }
        },
    }
    values = {"services": [{"type": "a"}, {"type": "b", "end_date": "2027-01-31"}]}
    page = drawn(app, schema, values)
    assert page.count('name="services.0.__row"') == 1 and page.count("data-row>") == 3
    assert 'name="action" value="add:services"' in page and "Aggiungi servizio" in page
    assert 'value="remove:services.1"' in page and 'name="services.__i__.type"' in page
    assert 'id="f-services-1-end_date"' in page and 'value="2027-01-31"' in page


def test_without_javascript_rows_are_added_and_removed_by_posting() -> None:
    schema = {
        "type": "object",
        "properties": {
            "note": {"type": "string"},
            "services": {
                "type": "array",
                "items": {"type": "object", "properties": {"type": {"type": "string"}}},
            },
        },
    }
    form = MultiDict(
        [
            ("note", "tenuta"),
            ("services.0.__row", "1"),
            ("services.0.type", "a"),
            ("services.1.__row", "1"),
            ("action", "add:services"),
        ]
    )
    values, focus = row_change(schema, form) or ({}, None)
    assert values == {"note": "tenuta", "services": [{"type": "a"}, {}, {}]}
    assert focus == "services.2"
    form.setlist("action", ["remove:services.0"])
    values, focus = row_change(schema, form) or ({}, None)
    assert values == {"note": "tenuta", "services": [{}]} and focus == "services:add"
    assert parse_submission(schema, form) == {"note": "tenuta", "services": [{"type": "a"}]}
    assert row_change(schema, MultiDict([("action", "complete")])) is None


REFUSED = {
    "a $ref": ({"$ref": "#/$defs/x"}, "$ref"),
    "a choice of schemas": ({"anyOf": [{"type": "string"}, {"type": "integer"}]}, "anyOf"),
    "a condition": ({"type": "string", "if": {"const": "a"}, "then": {}}, "if"),
    "a list without items": ({"type": "array"}, "items"),
    "a free list": ({"type": "array", "items": {"type": "string"}}, "free values"),
    "an empty object": ({"type": "object"}, "without properties"),
    "oneOf of schemas": ({"oneOf": [{"type": "string"}, {"type": "integer"}]}, "const"),
    "two types": ({"type": ["string", "integer"]}, "one type"),
    "a date-time": ({"type": "string", "format": "date-time"}, "date-time"),
    "a fixed text": ({"type": "string", "const": "x"}, "const"),
    "a list of lists": ({"type": "array", "items": {"type": "array"}}, "free values"),
}


@pytest.mark.parametrize("shape", sorted(REFUSED))
def test_a_shape_the_page_cannot_draw_is_refused_naming_the_field(shape: str) -> None:
    prop, reason = REFUSED[shape]
    schema = {
        "type": "object",
        "properties": {"piano": {"type": "object", "properties": {"voce": prop}}},
    }
    with pytest.raises(ModelInvalid) as refused:
        check_schema("piano.json", schema)
    assert "'piano.voce'" in refused.value.detail and reason in refused.value.detail
    assert refused.value.problems[0]["field"] == "piano.voce"
    assert refused.value.problems[0]["file"] == "piano.json"


def test_rows_inside_rows_and_required_fields_without_property_are_refused() -> None:
    rows = {"type": "array", "items": {"type": "object", "properties": {"x": {"type": "string"}}}}
    nested = {"type": "array", "items": {"type": "object", "properties": {"inner": rows}}}
    problems = drawing_problems({"type": "object", "properties": {"outer": nested}})
    assert [p["field"] for p in problems] == ["outer.inner"]
    missing = drawing_problems({"type": "object", "required": ["gone"], "properties": {}})
    assert missing[0]["field"] == "gone" and "could never be completed" in missing[0]["message"]


def test_row_errors_land_on_the_row_they_belong_to() -> None:
    from web.ui.forms import field_errors

    schema = {
        "type": "object",
        "required": ["services"],
        "properties": {
            "services": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["type", "end_date"],
                    "properties": {
                        "type": {"type": "string", "enum": ["a"]},
                        "end_date": {"type": "string", "format": "date"},
                    },
                },
            }
        },
    }
    data = {"services": [{"type": "a", "end_date": "2027-01-01"}, {"type": "b"}]}
    with pytest.raises(Exception) as refused:
        validate_data(schema, data)
    fields = {p["field"] for p in refused.value.problems}  # type: ignore[attr-defined]
    assert fields == {"services.1.type", "services.1.end_date"}
    app = Flask(__name__)
    from flask_babel import Babel

    Babel(app)
    with app.test_request_context():
        errors = field_errors(schema, refused.value.problems)  # type: ignore[attr-defined]
        missing = field_errors(schema, [{"field": "services", "code": "required"}])
    assert set(errors) == {"services.1.type", "services.1.end_date"}
    assert missing == {"services": "Campo obbligatorio: compilare almeno una riga."}


def test_choices_are_labelled_in_english_from_each_options_x_i18n(app: Flask) -> None:
    import json
    from pathlib import Path

    pact = json.loads((Path(__file__).resolve().parents[3] / "bpmn/forms/patto.json").read_text())
    with app.test_request_context(headers={"Accept-Language": "en"}):
        fields = {f.name: f for f in build_fields(pact, {}, {}, "en")}
    assert fields["pact_kind"].label == "Kind of pact"
    assert ("gol_4", "GOL pathway 4 (work and inclusion)") in fields["pact_kind"].options
    row = fields["services"].children[0]
    assert fields["services"].add_label == "service" and row.label == "Service"
    [kind, end, cooperative] = row.children
    assert (kind.label, end.label) == ("Service type", "Planned end date")
    assert cooperative.label == "Type-B social cooperative"
    assert ("formazione", "Training (Cr.Forma)") in kind.options
