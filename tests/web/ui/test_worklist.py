"""The worklist: views, filters, badges, the overdue count, bulk claim/unclaim/reassign, pages."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import event

from engine import Engine
from engine.commands.accounts import create_user, load_actor
from engine.commands.tasks import assign_task, claim_task
from engine.store.tables import HumanTask
from tests.seed import PROCESS, Seeded
from tests.support import Driver

from .conftest import UiClient, text


def _rows(page: str) -> list[str]:
    return re.findall(r'<tr class="[^"]*" data-task-id="(\d+)"', page)


def _ids(engine: Engine, references: list[str]) -> list[int]:
    drive = Driver(engine)
    return [int(drive.task(ref, "presa_atto").id) for ref in references]


def test_groups_view_lists_open_tasks_with_badges(ui: UiClient, seeded: Seeded) -> None:
    ui.login("giulia.rossi")
    page = text(ui.get("/?view=groups"))
    assert len(_rows(page)) == 6
    assert page.count(">Scaduta</span>") == 2 and page.count(">Sollecitata") == 1
    assert re.search(r'id="overdue-count".*?data-count="2"', page, re.S)
    assert seeded.overdue[0] in page and "Riservato" in page
    assert "Maria Bianchi" not in page  # lists show pseudonyms only


def test_filters_narrow_the_list(ui: UiClient, seeded: Seeded) -> None:
    ui.login("giulia.rossi")
    assert len(_rows(text(ui.get("/?view=all&overdue=1")))) == 2
    assert len(_rows(text(ui.get("/?view=all&target_group=giovani")))) == 2
    assert len(_rows(text(ui.get(f"/?view=all&process={PROCESS}&week=1")))) == 2
    assert _rows(text(ui.get("/?view=mine"))) == []
    by_priority = text(ui.get("/?view=all&sort=priority"))
    assert len(_rows(by_priority)) == 6


def test_bulk_claim_reports_each_outcome(ui: UiClient, engine: Engine, seeded: Seeded) -> None:
    ids = _ids(engine, [*seeded.overdue, *seeded.cases[:2]])
    with engine.uow() as uow:
        claim_task(uow, ids[-1], load_actor(uow, "luca.ferri"))
    ui.login("giulia.rossi")
    response = ui.post("/tasks/bulk", {"action": "claim", "task": [str(i) for i in ids]})
    assert response.status_code == 302
    page = text(ui.get("/?view=mine"))
    assert "3 attività prese in carico" in page
    assert (
        "1 non eseguita: L&#39;attività è già stata presa in carico da un&#39;altra persona" in page
    )
    assert sorted(map(int, _rows(page))) == sorted(ids[:3])


def test_bulk_unclaim_and_reassign(ui: UiClient, engine: Engine, seeded: Seeded) -> None:
    ids = [str(i) for i in _ids(engine, seeded.cases[:2])]
    ui.login("giulia.rossi")
    ui.post("/tasks/bulk", {"action": "claim", "task": ids})
    ui.post("/tasks/bulk", {"action": "unclaim", "task": ids[:1]})
    assert _rows(text(ui.get("/?view=mine"))) == ids[1:]
    ui.post("/tasks/bulk", {"action": "assign", "task": ids[1:], "assignee": "luca.ferri"})
    assert "1 attività riassegnata" in text(ui.get("/?view=mine"))
    assert Driver(engine).task(seeded.cases[1], "presa_atto").assignee == "luca.ferri"
    ui.post("/tasks/bulk", {"action": "assign", "task": ids[:1], "assignee": "marco.bassi"})
    assert "appartenga a uno dei gruppi" in text(ui.get("/"))


def test_single_claim_goes_back_to_the_list(ui: UiClient, engine: Engine, seeded: Seeded) -> None:
    [task_id] = _ids(engine, seeded.cases[:1])
    ui.login("giulia.rossi")
    response = ui.post(f"/tasks/{task_id}/claim", {"next": "/?view=groups"})
    assert response.location == "/?view=groups"
    assert "1 attività presa in carico" in text(ui.get("/?view=groups"))
    assert ui.post(f"/tasks/{task_id}/claim", {"next": "https://evil.example/"}).location == (
        f"/tasks/{task_id}"
    )


def test_pages_follow_the_engine_cursor(ui: UiClient, engine: Engine, seeded: Seeded) -> None:
    drive = Driver(engine)
    for _ in range(20):
        drive.start(PROCESS, {"target_group": "adulti"}, as_user="giulia.rossi")
    ui.login("giulia.rossi")
    first = text(ui.get("/?view=all"))
    assert len(_rows(first)) == 25
    next_url = re.search(r'href="([^"]+)" id="next-page"', first)
    assert next_url is not None
    second = text(ui.get(next_url.group(1).replace("&amp;", "&")))
    assert len(_rows(second)) == 1 and not set(_rows(second)) & set(_rows(first))


def test_foreign_operator_sees_none_of_these_tasks(ui: UiClient) -> None:
    ui.login("marco.bassi")
    assert _rows(text(ui.get("/?view=all"))) == []


def test_tabs_show_counts_and_an_empty_mine_points_to_the_groups(
    ui: UiClient, engine: Engine, seeded: Seeded
) -> None:
    ui.login("giulia.rossi")
    page = text(ui.get("/"))
    counts = dict(
        re.findall(r'id="tab-(\w+)">[^<]*<span class="tab-count" data-count="(\d+)"', page)
    )
    assert counts == {"mine": "0", "groups": "6", "organization": "6", "all": "6"}
    assert "Nessuna attività assegnata a lei" in page
    assert 'href="/?view=groups">Ci sono 6 attività dei suoi gruppi' in page
    with engine.uow() as uow:
        claim_task(uow, _ids(engine, seeded.cases[:1])[0], load_actor(uow, "giulia.rossi"))
    page = text(ui.get("/"))
    assert 'id="tab-mine">Assegnate a me <span class="tab-count" data-count="1">(1)' in page
    assert "Nessuna attività assegnata a lei" not in page and len(_rows(page)) == 1
    filtered = text(ui.get("/?view=mine&target_group=disabilita"))
    assert "Non ci sono attività che corrispondono a questi filtri" in filtered


def test_a_large_organisation_searches_colleagues_instead_of_listing_them(
    ui: UiClient, seeded: Seeded, monkeypatch: Any
) -> None:
    ui.login("giulia.rossi")
    listed = text(ui.get("/?view=groups"))
    assert '<option value="luca.ferri">Luca Ferri</option>' in listed
    assert "data-people-url" not in listed
    monkeypatch.setattr("web.ui.worklist.COLLEAGUES_LISTED", 1)
    searched = text(ui.get("/?view=groups"))
    assert '<option value="luca.ferri">' not in searched
    assert 'data-people-url="/tasks/colleagues"' in searched
    found = ui.get("/tasks/colleagues?q=Ferri")
    assert found.status_code == 200
    assert found.get_json() == [{"username": "luca.ferri", "name": "Luca Ferri"}]
    assert ui.get("/tasks/colleagues?q=bassi").get_json() == []  # another organisation's
    assert ui.get("/tasks/colleagues?q=%20").get_json() == []


def test_a_worklist_page_names_its_people_without_a_read_for_each(
    ui: UiClient, engine: Engine, seeded: Seeded
) -> None:
    ui.login("giulia.rossi")
    statements: list[str] = []
    event.listen(engine.db, "before_cursor_execute", lambda *a: statements.append(a[2]))
    ui.get("/?view=organization")
    statements.clear()
    nobody_named = text(ui.get("/?view=organization"))
    unnamed = len(statements)
    first, second = _ids(engine, seeded.cases[:2])
    with engine.uow() as uow:
        giulia = load_actor(uow, "giulia.rossi")
        claim_task(uow, first, giulia)
        assign_task(uow, second, "luca.ferri", giulia)
    statements.clear()
    named = text(ui.get("/?view=organization"))
    assert len(statements) == unnamed  # names, tabs, header: the same statements
    assignee = r'data-task-id="{}".*?class="cell-assignee"[^>]*>([^<]*)<'
    assert re.findall(assignee.format(second), nobody_named, re.S)[0] == ""  # "nessuno", in a span
    assert re.findall(assignee.format(first), named, re.S)[0] == "Giulia Rossi"
    assert re.findall(assignee.format(second), named, re.S)[0] == "Luca Ferri"
    assert f'formaction="/tasks/{first}/unclaim"' in named  # hers to give back
    assert f'formaction="/tasks/{second}/claim"' not in named  # Luca's: no button


def test_a_row_escapes_names_from_models_and_people(
    ui: UiClient, engine: Engine, seeded: Seeded
) -> None:
    with engine.uow() as uow:
        create_user(
            uow,
            "ada.oneil",
            memberships=[("comune_cremona", "case_manager")],
            full_name='Ada <b>"O\'Neil"</b> & Co',
        )
        uow.commit()
    first, second = _ids(engine, seeded.cases[:2])
    with engine.uow() as uow:
        assign_task(uow, first, "ada.oneil", load_actor(uow, "giulia.rossi"))
        task = uow.session.get(HumanTask, second)
        assert task is not None
        task.name = "Colloquio <i>primo</i> & verifica"  # as a model may name a task
        uow.commit()
    ui.login("giulia.rossi")
    page = text(ui.get("/?view=organization"))
    assignee = r'data-task-id="{}".*?class="cell-assignee"[^>]*>([^<]*)<'
    shown = re.findall(assignee.format(first), page, re.S)[0]
    assert shown == "Ada &lt;b&gt;&#34;O&#39;Neil&#34;&lt;/b&gt; &amp; Co"
    title = r'data-task-id="{}".*?class="cell-task"><a [^>]*>([^<]*)<'
    assert re.findall(title.format(second), page, re.S)[0] == (
        "Colloquio &lt;i&gt;primo&lt;/i&gt; &amp; verifica"
    )
    assert "<b>" not in page and "<i>primo" not in page
