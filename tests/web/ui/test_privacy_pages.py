"""The person's rights in the UI: the rettifica from the task page, the subject export page."""

from __future__ import annotations

from engine import Engine
from tests.seed import PASSWORD, Seeded
from tests.support import Driver
from tests.web.ui.conftest import UiClient, text

TAX_CODE = "BRBLRA85M41D150N"


def _answered(engine: Engine, seeded: Seeded) -> int:
    """The first seeded case's presa d'atto, completed by its case manager."""
    drive = Driver(engine)
    task = drive.task(seeded.cases[0], "presa_atto")
    drive.complete(
        seeded.cases[0],
        "presa_atto",
        {"residente": True, "urgenza": "bassa", "note": "Chiamare dopo le 15"},
        as_user="giulia.rossi",
    )
    return int(task.id)


def test_the_case_manager_rectifies_from_the_task_page(
    ui: UiClient, engine: Engine, seeded: Seeded
) -> None:
    task_id = _answered(engine, seeded)
    ui.login("giulia.rossi", PASSWORD)
    page = text(ui.get(f"/tasks/{task_id}"))
    assert 'id="rectify"' in page and "Rettifica le risposte" in page
    form = text(ui.get(f"/tasks/{task_id}/rectify"))
    assert "Motivo della rettifica" in form and "Chiamare dopo le 15" in form
    values = {"residente": "true", "urgenza": "alta", "note": "Chiamare dopo le 15"}
    missing = ui.post(f"/tasks/{task_id}/rectify", {**values, "reason": ""})
    assert missing.status_code == 422
    assert "Indicare il motivo della rettifica" in text(missing)
    same = {**values, "urgenza": "bassa", "reason": "nessuna"}
    unchanged = ui.post(f"/tasks/{task_id}/rectify", same)
    assert unchanged.status_code == 422 and "Nessuna risposta è cambiata" in text(unchanged)
    done = ui.post(f"/tasks/{task_id}/rectify", {**values, "reason": "era urgente"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/tasks/{task_id}")
    after = text(ui.get(f"/tasks/{task_id}"))
    assert "Risposte rettificate" in after and "Risposta rettificata" in after


def test_who_else_may_rectify(ui: UiClient, engine: Engine, seeded: Seeded) -> None:
    """Another case manager of the owning organisation may; an operator outside may not."""
    task_id = _answered(engine, seeded)
    ui.login("luca.ferri", PASSWORD)
    assert 'id="rectify"' in text(ui.get(f"/tasks/{task_id}"))
    ui.client.post("/logout", data={"csrf_token": ui.token()})
    ui.login("marco.bassi", PASSWORD)
    assert ui.get(f"/tasks/{task_id}/rectify").status_code == 404
    values = {"residente": "false", "urgenza": "alta", "note": "", "reason": "prova"}
    assert ui.post(f"/tasks/{task_id}/rectify", values).status_code == 404


def test_a_coordinator_produces_the_export_page(
    ui: UiClient, engine: Engine, seeded: Seeded
) -> None:
    ui.login("clara.conti", PASSWORD)
    menu = text(ui.get("/subjects"))
    assert "Diritti dell'interessato" in menu and 'id="subject-export"' in menu
    wrong = ui.post("/subjects/export", {"tax_code": "12"})
    assert wrong.status_code == 422 and "Codice fiscale non valido" in text(wrong)
    empty = ui.post("/subjects/export", {"tax_code": TAX_CODE})
    assert empty.status_code == 200 and 'id="export-empty"' in text(empty)


def test_an_operator_may_not_open_the_export_page(ui: UiClient, seeded: Seeded) -> None:
    ui.login("marco.bassi", PASSWORD)
    assert ui.get("/subjects").status_code == 403
    assert "Diritti dell'interessato" not in text(ui.get("/"))
