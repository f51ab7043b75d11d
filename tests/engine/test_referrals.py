"""Start forms stored with their version, referrals checked against them, the case list's tasks."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine import Engine
from engine.commands.accounts import load_actor
from engine.commands.referrals import refer_case, referring_organizations, valid_tax_code
from engine.commands.tasks import claim_task
from engine.errors import Forbidden, FormDataInvalid
from engine.notices.notifications import mark_read_except_latest, unread_count
from engine.reads.caselists import CaseFilter, list_cases_with_tasks
from engine.rules.startforms import start_form
from engine.store.tables import Notification
from tests.seed import Seeded, seed_network
from tests.support import Driver, FakeClock, counted, fixture_files

START = b'<bpmn:startEvent id="start">'
WITH_FORM = (
    b'<bpmn:startEvent id="start"><bpmn:extensionElements><spiffworkflow:properties>'
    b'<spiffworkflow:property name="formKey" value="intake" />'
    b"</spiffworkflow:properties></bpmn:extensionElements>"
)
GOOD = {"resident": True, "urgency": "low", "subject": {"given_name": "Ada", "family_name": "Neri"}}


@pytest.fixture
def seeded(engine: Engine, clock: FakeClock) -> Seeded:
    return seed_network(engine, clock)


@pytest.fixture
def intake(seeded: Seeded, engine: Engine) -> Driver:
    """three_tasks with `intake.json` as its start form too."""
    files = fixture_files("three_tasks.bpmn", "intake.json")
    files["three_tasks.bpmn"] = files["three_tasks.bpmn"].replace(START, WITH_FORM)
    drive = Driver(engine)
    drive.deploy(files=files, as_user="clara.conti")
    return drive


def test_the_start_form_is_stored_with_its_version(intake: Driver, engine: Engine) -> None:
    with engine.uow(write=False) as uow:
        form = start_form(uow, "three_tasks")
        assert form is not None and form.key == "intake.json" and form.version == 1
        assert form.schema["title"] == "Intake"
        assert start_form(uow, "percorso_prova") is None  # its start event names no form
        assert start_form(uow, "not_deployed") is None


def test_a_referral_is_checked_against_the_start_form_and_the_tax_code(
    intake: Driver, engine: Engine
) -> None:
    with engine.uow() as uow:
        giulia = load_actor(uow, "giulia.rossi")
        bad = {**GOOD, "urgency": "soon", "subject": {"given_name": "Ada", "tax_code": "X1"}}
        with pytest.raises(FormDataInvalid) as refused:
            refer_case(uow, "three_tasks", bad, giulia, organization="comune_cremona")
    fields = {p["field"]: p["code"] for p in refused.value.problems}
    assert fields == {
        "urgency": "enum",
        "subject.family_name": "required",
        "subject.tax_code": "tax_code",
    }
    with engine.uow() as uow:
        giulia = load_actor(uow, "giulia.rossi")
        with pytest.raises(Forbidden):
            refer_case(uow, "three_tasks", GOOD, giulia, organization="provincia_cremona")
        case = refer_case(uow, "three_tasks", GOOD, giulia, organization="comune_cremona").case
        assert case.status == "running" and case.case_manager_id == giulia.user_id


def test_tax_codes_and_who_may_refer(engine: Engine, seeded: Seeded) -> None:
    assert valid_tax_code("NVNNRO90A41D150B") and valid_tax_code("12345678901")
    assert not valid_tax_code("NVNNRO90A41D150C")  # wrong check letter
    assert not valid_tax_code("NVNNRO90A41D15") and not valid_tax_code("nvnnro90a41d150b")
    with engine.uow(write=False) as uow:
        assert referring_organizations(load_actor(uow, "giulia.rossi")) == ["comune_cremona"]
        assert referring_organizations(load_actor(uow, "ugo.rizzi")) == []  # Cabina di Regia


def test_case_list_counts_open_tasks_and_next_due_without_a_query_per_case(
    engine: Engine, seeded: Seeded, clock: FakeClock
) -> None:
    with engine.uow(write=False) as uow:
        giulia = load_actor(uow, "giulia.rossi")
    queries = []
    for limit in (2, 6):
        with counted(engine.db) as statements, engine.uow(write=False) as uow:
            page = list_cases_with_tasks(uow, giulia, CaseFilter(), limit=limit)
        queries.append(len(statements))
        assert len(page.items) == limit
    assert queries[0] == queries[1]  # the same few queries for 2 cases as for 6
    rows = {c["reference"]: c for c in page.items}
    late = rows[seeded.overdue[0]]
    assert late["open_task_count"] == 1 and late["next_due_at"] == clock.now - timedelta(days=5)
    assert rows[seeded.restricted]["name"] is None  # never a restricted identity in a list
    with engine.uow() as uow:
        task = Driver(engine).task(seeded.cases[0], "presa_atto")
        claim_task(uow, task.id, load_actor(uow, "luca.ferri"))
    with engine.uow(write=False) as uow:
        luca = load_actor(uow, "luca.ferri")
        mine = list_cases_with_tasks(uow, luca, CaseFilter(mine=True))
    assert [c["reference"] for c in mine.items] == [seeded.cases[0]]


def test_all_but_the_newest_notifications_are_marked_read(engine: Engine, seeded: Seeded) -> None:
    with engine.uow() as uow:
        giulia = load_actor(uow, "giulia.rossi")
        for n in range(5):
            uow.session.add(
                Notification(user_id=giulia.user_id, kind="n", title=f"{n}", created_at=uow.now)
            )
        uow.commit()
    with engine.uow() as uow:
        assert mark_read_except_latest(uow, giulia, 3) == 4  # 2 seeded + 5 new, 3 kept
        assert unread_count(uow, giulia) == 3
        assert mark_read_except_latest(uow, giulia, 3) == 0
