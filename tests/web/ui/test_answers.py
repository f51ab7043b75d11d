"""Earlier answers in words: titles, option labels, Sì/No, Italian dates, tables for lists of
objects, nested groups; in English with the forms' English labels."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Flask

from web.ui.answers import Answer, answers

FORMS = Path(__file__).resolve().parents[3] / "bpmn" / "forms"


def form(name: str) -> dict[str, Any]:
    return dict(json.loads((FORMS / name).read_text()))


def shown(items: list[Answer]) -> dict[str, Any]:
    return {
        a.label: (a.columns, a.rows) if a.columns else shown(a.children) if a.children else a.text
        for a in items
    }


PACT = {
    "patto_date": "2026-11-16",
    "pact_kind": "gol_4",
    "services": [
        {"type": "formazione", "end_date": "2027-03-31"},
        {"type": "tirocinio_inclusione", "end_date": "2027-09-30"},
    ],
}


def test_a_pact_reads_in_italian_with_its_services_as_a_table(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "it"}):
        found = shown(answers(form("patto.json"), PACT, "it"))
    assert found == {
        "Data di firma del patto": "16/11/2026",
        "Tipo di patto": "GOL percorso 4 (lavoro e inclusione)",
        "Servizi da attivare": (
            ["Tipo di servizio", "Data di fine prevista"],
            [
                ["Formazione (Cr.Forma)", "31/03/2027"],
                ["Tirocinio di inclusione (SIL)", "30/09/2027"],
            ],
        ),
    }


def test_answers_read_in_english_too(app: Flask) -> None:
    data = {"assessment": "fragilita", "proposed_services": ["formazione", "orientamento"]}
    with app.test_request_context(headers={"Accept-Language": "en"}):
        found = shown(answers(form("contributo_equipe.json"), data, "en"))
        pact = shown(answers(form("patto.json"), PACT, "en"))
    assert "Training (Cr.Forma), Orientation" in found.values()
    assert pact["Kind of pact"] == "GOL pathway 4 (work and inclusion)"
    assert pact["Services to activate"][0] == ["Service type", "Planned end date"]


def test_booleans_numbers_groups_and_unknown_keys_are_words(app: Flask) -> None:
    schema = {
        "type": "object",
        "properties": {
            "resident": {"type": "boolean", "title": "Residente"},
            "hours": {"type": "number", "title": "Ore settimanali"},
            "plan": {
                "type": "object",
                "title": "Piano",
                "properties": {"start": {"type": "string", "format": "date", "title": "Inizio"}},
            },
        },
    }
    data = {
        "resident": False,
        "hours": 12.5,
        "plan": {"start": "2027-01-04"},
        "first_meeting": "2027-01-04",
        "empty": None,
    }
    with app.test_request_context():
        found = shown(answers(schema, data, "it"))
    assert found == {
        "Residente": "No",
        "Ore settimanali": "12,5",
        "Piano": {"Inizio": "04/01/2027"},
        "First meeting": "04/01/2027",  # a key the form does not know, in words
    }
