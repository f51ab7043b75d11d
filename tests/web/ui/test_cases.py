"""The case page: header, diagram data, timeline, restricted identity, foreign cases, retry."""

from __future__ import annotations

import json
import re
from html import unescape

from sqlalchemy import func, select

from engine import Engine
from engine.store.tables import Case, CaseEvent
from tests.seed import RESTRICTED_NAME, Seeded
from tests.support import Driver, FakeClock, fixture_files

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


def _timeline(page: str) -> list[tuple[str, str]]:
    """(kind, words) of each line of the case's history, newest first."""
    found = re.findall(r'<li class="case-event case-event-(\w+)">(.*?)</li>', page, re.S)
    return [
        (kind, " ".join(re.sub(r"<[^>]+>", " ", unescape(body)).split())) for kind, body in found
    ]


def _reads_by(engine: Engine, reference: str, username: str) -> int:
    with engine.uow(write=False) as uow:
        return int(
            uow.session.scalar(
                select(func.count())
                .select_from(CaseEvent)
                .join(Case, Case.id == CaseEvent.case_id)
                .where(
                    Case.reference == reference,
                    CaseEvent.kind == "restricted_case_read",
                    CaseEvent.actor_name == username,
                )
            )
            or 0
        )


def test_a_restricted_case_read_many_times_shows_one_line_per_reader_among_its_steps(
    ui: UiClient, engine: Engine, seeded: Seeded, clock: FakeClock
) -> None:
    reference = seeded.restricted
    clock.advance(minutes=5)
    ui.login("luca.ferri")
    for _ in range(3):
        assert ui.get(f"/cases/{reference}").status_code == 200
    ui.post("/logout")
    clock.advance(minutes=5)
    Driver(engine).complete(reference, "presa_atto", {"residente": True, "urgenza": "media"})
    clock.advance(minutes=5)
    ui.login("giulia.rossi")
    for _ in range(30):
        ui.get(f"/cases/{reference}")
    lines = _timeline(text(ui.get(f"/cases/{reference}")))
    # the page counts the reads recorded before it drew the history: its own opening of the
    # case among them, its read of the history itself recorded after
    giulia = _reads_by(engine, reference, "giulia.rossi") - 1
    assert giulia > 60 and _reads_by(engine, reference, "luca.ferri") == 6
    reads = [words for kind, words in lines if kind == "restricted_case_read"]
    assert len(reads) == 2
    assert f"Consultazione del caso riservato {giulia} volte, l'ultima il" in reads[0]
    assert reads[0].endswith("Giulia Rossi")
    assert "6 volte, l'ultima il" in reads[1] and reads[1].endswith("Luca Ferri")
    kinds = [kind for kind, _words in lines]
    assert kinds.index("restricted_case_read") == 0  # Giulia read it last
    luca = len(kinds) - 1 - kinds[::-1].index("restricted_case_read")
    assert kinds.index("task_completed") < luca < kinds.index("case_started")
    with engine.uow(write=False) as uow:
        steps = uow.session.scalars(
            select(CaseEvent.kind)
            .join(Case, Case.id == CaseEvent.case_id)
            .where(Case.reference == reference, CaseEvent.kind != "restricted_case_read")
            .order_by(CaseEvent.seq.desc())
        ).all()
    assert [kind for kind in kinds if kind != "restricted_case_read"] == list(steps)
