"""The absence page (/absences, in the user menu): recording one's absence moves the tasks to the
substitute, whose worklist says "in sostituzione di"; a substitute without the roles is refused
in Italian beside the field; a coordinator records one for a colleague; ending it gives back."""

from __future__ import annotations

from datetime import timedelta

from engine import Engine
from engine.commands.accounts import load_actor
from engine.commands.tasks import claim_task
from tests.seed import Seeded
from tests.support import Driver, FakeClock
from tests.web.ui.conftest import UiClient, text


def held(engine: Engine, seeded: Seeded) -> list[int]:
    """giulia.rossi claims the intake of two cases."""
    drive = Driver(engine)
    ids = []
    for reference in seeded.cases[:2]:
        task = drive.task(reference, "presa_atto")
        with engine.uow() as uow:
            claim_task(uow, task.id, load_actor(uow, "giulia.rossi"))
        ids.append(task.id)
    return ids


def dates(clock: FakeClock, days: int = 7) -> dict[str, str]:
    today = clock.now.date()
    return {"from": today.isoformat(), "to": (today + timedelta(days=days)).isoformat()}


def test_recording_an_absence_moves_the_tasks_and_the_worklist_says_for_whom(
    ui: UiClient, engine: Engine, seeded: Seeded, clock: FakeClock
) -> None:
    ids = held(engine, seeded)
    ui.login("giulia.rossi")
    page = text(ui.get("/"))
    assert 'id="absences-link"' in page and "Assenze e sostituzioni" in page
    form = text(ui.get("/absences"))
    assert "Nessuna assenza in corso o programmata." in form
    assert "Luca Ferri (luca.ferri)" in form

    saved = ui.post("/absences", {**dates(clock), "substitute": "luca.ferri", "user": ""})

    assert saved.status_code == 302
    after = text(ui.get(saved.location))
    assert "Assenza registrata: le attività assegnate sono passate al sostituto." in after
    assert "sostituisce Luca Ferri" in after
    assert "data-task-id" not in text(ui.get("/?view=mine"))

    ui.post("/logout")
    ui.login("luca.ferri")
    worklist = text(ui.get("/?view=mine"))
    for task_id in ids:
        assert f'data-task-id="{task_id}"' in worklist
    assert worklist.count("in sostituzione di Giulia Rossi") == 2

    ui.post("/logout")
    ui.login("giulia.rossi")
    ended = ui.post("/absences/giulia.rossi/end", {"next": "/absences"})
    assert "le attività non completate sono tornate a Giulia Rossi" in text(ui.get(ended.location))
    mine = text(ui.get("/?view=mine"))
    assert all(f'data-task-id="{task_id}"' in mine for task_id in ids)


def test_a_substitute_without_the_roles_is_refused_beside_the_field(
    ui: UiClient, engine: Engine, seeded: Seeded, clock: FakeClock
) -> None:
    held(engine, seeded)
    ui.login("giulia.rossi")

    refused = ui.post("/absences", {**dates(clock), "substitute": "clara.conti"})

    assert refused.status_code == 422
    page = text(refused)
    assert 'id="error-substitute"' in page
    assert (
        "Clara Conti non ha i ruoli delle attività aperte di Giulia Rossi: manca "
        "Case manager (servizio sociale) (Comune di Cremona)."
    ) in page
    late = ui.post(
        "/absences", {"from": "2026-03-09", "to": "2026-03-05", "substitute": "luca.ferri"}
    )
    assert "La fine dell&#39;assenza viene prima dell&#39;inizio." in text(late)


def test_a_coordinator_records_a_colleague_s_absence(
    ui: UiClient, engine: Engine, seeded: Seeded, clock: FakeClock
) -> None:
    held(engine, seeded)
    ui.login("clara.conti")
    page = text(ui.get("/absences?for=giulia.rossi"))
    assert "Assenza di Giulia Rossi" in page

    ui.post("/absences", {**dates(clock), "substitute": "luca.ferri", "user": "giulia.rossi"})

    listed = text(ui.get("/absences"))
    assert 'data-user="giulia.rossi"' in listed
    assert '<th scope="row">Giulia Rossi</th>' in listed and "<td>Luca Ferri" in listed  # names
    ui.post("/logout")
    ui.login("marco.bassi")
    assert ui.get("/absences?for=giulia.rossi").status_code == 403
