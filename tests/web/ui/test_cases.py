"""The case page: header, diagram data, timeline, restricted identity, foreign cases, retry."""

from __future__ import annotations

import json
import re
from html import unescape

from engine import Engine
from tests.seed import RESTRICTED_NAME, Seeded
from tests.support import Driver, fixture_files

from .conftest import UiClient, text


def _data(page: str, name: str) -> list[str]:
    found = re.search(rf'data-{name}="([^"]*)"', page)
    assert found is not None
    return list(json.loads(unescape(found.group(1))))


def test_case_page_shows_header_diagram_state_and_timeline(
    ui: UiClient, engine: Engine, seeded: Seeded
) -> None:
    reference = seeded.cases[0]
    Driver(engine).complete(reference, "presa_atto", {"residente": True, "urgenza": "media"})
    ui.login("giulia.rossi")
    page = text(ui.get(f"/cases/{reference}"))
    assert "Caso</span>" not in page and reference in page and "In corso" in page
    assert (
        "Adulti vulnerabili" in page
        and 'Percorso di inclusione (prova) · <span id="case-version">versione 1</span>' in page
    )
    assert _data(page, "active") == ["analisi_preliminare"]
    assert "presa_atto" in _data(page, "completed") and _data(page, "incident") == []
    assert "Caso avviato" in page and "Attività completata" in page
    xml = ui.get(f"/cases/{reference}/diagram.xml")
    assert xml.mimetype == "application/xml" and b'bpmnElement="analisi_preliminare"' in xml.data


def test_foreign_case_is_not_found_and_its_diagram_neither(ui: UiClient, seeded: Seeded) -> None:
    ui.login("marco.bassi")
    response = ui.get(f"/cases/{seeded.foreign}")
    assert response.status_code == 404
    assert "Pagina non trovata" in text(response)
    assert ui.get(f"/cases/{seeded.foreign}/diagram.xml").status_code == 404
    missing = ui.get("/cases/CR-1999-000001")  # the same answer as for a case that does not exist
    assert missing.status_code == 404
    assert _without_token(text(missing)).replace("CR-1999-000001", "REF") == _without_token(
        text(response)
    ).replace(seeded.foreign, "REF")


def _without_token(page: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]*"', "", page)


def test_restricted_case_shows_only_the_pseudonym(ui: UiClient, seeded: Seeded) -> None:
    ui.login("luca.ferri")  # same organisation, but not the named case manager
    page = text(ui.get(f"/cases/{seeded.restricted}"))
    assert RESTRICTED_NAME not in page
    assert re.search(r'class="pseudonym">PS-[A-Z0-9]{8}<', page)
    assert "Consultazione del caso riservato" in page  # the read itself is in the audit trail


def test_restricted_case_shows_the_name_to_its_case_manager(ui: UiClient, seeded: Seeded) -> None:
    ui.login("giulia.rossi")
    assert RESTRICTED_NAME in text(ui.get(f"/cases/{seeded.restricted}"))


def test_coordinators_retry_incidents_and_operators_cannot(
    ui: UiClient, engine: Engine, seeded: Seeded
) -> None:
    drive = Driver(engine)
    bpmn = fixture_files("script_task.bpmn")["script_task.bpmn"].replace(b"SCRIPT", b"x = 1 / d")
    drive.deploy(files={"script_task.bpmn": bpmn}, as_user="clara.conti")
    reference = drive.start("script_task", {"d": 0}, as_user="giulia.rossi")
    drive.complete(reference, "fill", as_user="giulia.rossi")
    [incident] = drive.case(reference)["incidents"]
    ui.login("giulia.rossi")
    page = text(ui.get(f"/cases/{reference}"))
    assert _data(page, "incident") == ["compute"] and ">Riprova</button>" not in page
    ui.post(f"/cases/{reference}/incidents/{incident['id']}/retry")
    assert "Solo i coordinatori" in text(ui.get(f"/cases/{reference}"))
    ui.post("/logout")
    ui.login("clara.conti")
    assert ">Riprova</button>" in text(ui.get(f"/cases/{reference}"))
    response = ui.post(f"/cases/{reference}/incidents/{incident['id']}/retry")
    assert response.status_code == 302
    assert "Il nuovo tentativo non è riuscito" in text(ui.get(f"/cases/{reference}"))
