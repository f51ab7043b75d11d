"""The task page: the form drawn from its JSON Schema, validation in Italian, drafts, conflicts."""

from __future__ import annotations

import re

from engine import Engine
from engine.commands.accounts import load_actor
from engine.commands.tasks import claim_task, complete_task
from tests.seed import Seeded
from tests.support import Driver

from .conftest import UiClient, text

PRESA = {"residente": "true", "urgenza": "alta", "note": "Prima presa d'atto."}


def _task(engine: Engine, reference: str, element: str) -> int:
    return int(Driver(engine).task(reference, element).id)


def _field_error(page: str, field: str) -> str:
    found = re.search(rf'id="f-{field}-error">([^<]*)<', page)
    assert found, f"no error shown for {field}"
    return found.group(1)


def _analysis_task(ui: UiClient, engine: Engine, seeded: Seeded) -> int:
    reference = seeded.cases[0]
    Driver(engine).complete(reference, "presa_atto", {"residente": True, "urgenza": "media"})
    return _task(engine, reference, "analisi_preliminare")


def test_the_form_is_drawn_from_the_schema(ui: UiClient, engine: Engine, seeded: Seeded) -> None:
    task_id = _analysis_task(ui, engine, seeded)
    ui.login("giulia.rossi")
    page = text(ui.get(f"/tasks/{task_id}"))
    assert 'type="date"' in page and 'name="data_colloquio"' in page
    assert re.search(r'name="componenti_nucleo"[^>]*type="number"[^>]*min="1" max="20"', page)
    assert page.count('type="checkbox" name="bisogni"') == 5 and "Abitazione" in page
    assert '<select id="f-invio-servizio" name="invio.servizio"' in page
    assert "Centro per l&#39;Impiego" in page  # Italian enum labels from x-i18n
    assert '<textarea class="form-control" id="f-sintesi"' in page
    assert 'value="true"' in page and "Pronta o pronto per il lavoro" in page
    assert "Presa d&#39;atto" in page  # earlier answers alongside
    english = text(ui.get(f"/tasks/{task_id}", headers={"Accept-Language": "en"}))
    assert "Members of the household" in english and "Housing" in english


def test_wrong_values_come_back_with_italian_errors_and_typed_data(
    ui: UiClient, engine: Engine, seeded: Seeded
) -> None:
    task_id = _analysis_task(ui, engine, seeded)
    ui.login("giulia.rossi")
    sent = {"componenti_nucleo": "45", "data_colloquio": "31/02/2026", "sintesi": "Da rivedere"}
    response = ui.post(f"/tasks/{task_id}", {**sent, "action": "complete"})
    page = text(response)
    assert response.status_code == 422
    assert _field_error(page, "componenti_nucleo") == "Il valore massimo consentito è 20."
    assert _field_error(page, "data_colloquio").startswith("Inserire una data valida")
    assert _field_error(page, "bisogni") == "Campo obbligatorio: selezionare almeno una voce."
    assert (
        'value="45"' in page and 'value="31/02/2026"' in page and ">Da rivedere</textarea>" in page
    )
    assert 'role="alert" aria-live="assertive"' in page and "3 errori" in page
    words = text(ui.post(f"/tasks/{task_id}", {"componenti_nucleo": "tre", "action": "complete"}))
    assert _field_error(words, "componenti_nucleo") == "Inserire un numero intero."


def test_errors_in_english_for_english_users(ui: UiClient, engine: Engine, seeded: Seeded) -> None:
    task_id = _analysis_task(ui, engine, seeded)
    ui.login("giulia.rossi")
    ui.post("/lang/en")
    page = text(ui.post(f"/tasks/{task_id}", {"componenti_nucleo": "0", "action": "complete"}))
    assert _field_error(page, "componenti_nucleo") == "The smallest value allowed is 1."


def test_a_draft_is_kept_without_completing(ui: UiClient, engine: Engine, seeded: Seeded) -> None:
    task_id = _task(engine, seeded.cases[0], "presa_atto")
    ui.login("giulia.rossi")
    response = ui.post(f"/tasks/{task_id}", {"note": "Appunti del colloquio", "action": "draft"})
    assert response.status_code == 302
    page = text(ui.get(f"/tasks/{task_id}"))
    assert "Bozza salvata" in page and ">Appunti del colloquio</textarea>" in page
    assert _task(engine, seeded.cases[0], "presa_atto") == task_id  # still open


def test_completing_moves_the_case_on(ui: UiClient, engine: Engine, seeded: Seeded) -> None:
    task_id = _task(engine, seeded.cases[0], "presa_atto")
    ui.login("giulia.rossi")
    response = ui.post(f"/tasks/{task_id}", {**PRESA, "action": "complete"})
    assert response.status_code == 302 and response.location == "/"
    assert Driver(engine).open_elements(seeded.cases[0]) == ["analisi_preliminare"]
    worklist = text(ui.get("/"))  # what the engine did, with a link to the case
    assert "Completata. Prossimo passo: Analisi preliminare — Comune di Cremona." in worklist
    assert f'href="/cases/{seeded.cases[0]}" class="alert-link"' in worklist


def test_someone_else_completing_first_gives_a_conflict_message(
    ui: UiClient, engine: Engine, seeded: Seeded
) -> None:
    task_id = _task(engine, seeded.cases[0], "presa_atto")
    ui.login("giulia.rossi")
    assert ui.get(f"/tasks/{task_id}").status_code == 200
    with engine.uow() as uow:
        complete_task(
            uow, task_id, {"residente": True, "urgenza": "bassa"}, load_actor(uow, "luca.ferri")
        )
    response = ui.post(f"/tasks/{task_id}", {**PRESA, "action": "complete"})
    page = text(response)
    assert response.status_code == 409
    assert "già stata completata da un&#39;altra persona" in page
    assert ">Prima presa d&#39;atto.</textarea>" in page


def test_a_task_claimed_by_someone_else_cannot_be_completed(
    ui: UiClient, engine: Engine, seeded: Seeded
) -> None:
    task_id = _task(engine, seeded.cases[1], "presa_atto")
    with engine.uow() as uow:
        claim_task(uow, task_id, load_actor(uow, "luca.ferri"))
    ui.login("giulia.rossi")
    page = text(ui.get(f"/tasks/{task_id}"))
    assert "presa in carico da Luca Ferri" in page
    response = ui.post(f"/tasks/{task_id}", {**PRESA, "action": "complete"})
    assert response.status_code == 409
    assert "già stata presa in carico da un&#39;altra persona" in text(response)


def test_a_foreign_task_is_not_found(ui: UiClient, engine: Engine, seeded: Seeded) -> None:
    task_id = _task(engine, seeded.cases[0], "presa_atto")
    ui.login("marco.bassi")
    response = ui.get(f"/tasks/{task_id}")
    assert response.status_code == 404 and "Pagina non trovata" in text(response)
