"""Engine reads behind the UI: notifications, worklist counts and facets, external logins."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, select

from engine import Engine
from engine.commands.accounts import (
    colleagues,
    create_user,
    external_login,
    load_actor,
)
from engine.errors import CaseNotFound, NotFound, Unauthenticated
from engine.notices.notifications import (
    list_notifications,
    mark_all_read,
    mark_read,
    unread_beside,
    unread_count,
)
from engine.reads.candidates import few_colleagues
from engine.reads.caseviews import case_detail, case_diagram, element_names
from engine.reads.taskviews import (
    TaskFilter,
    count_open_tasks,
    count_tasks,
    list_tasks,
    worklist_facets,
)
from engine.store.tables import Notification, User
from tests.seed import PROCESS, Seeded, seed_network
from tests.support import FakeClock


@pytest.fixture
def seeded(engine: Engine, clock: FakeClock) -> Seeded:
    return seed_network(engine, clock)


def test_unread_notifications_are_counted_listed_and_marked(engine: Engine, seeded: Seeded) -> None:
    with engine.uow() as uow:
        giulia, luca = load_actor(uow, "giulia.rossi"), load_actor(uow, "luca.ferri")
        assert unread_count(uow, giulia) == 2 and unread_count(uow, luca) == 0
        page = list_notifications(uow, giulia, limit=1)
        assert len(page.items) == 1 and page.next_cursor is not None
        rest = list_notifications(uow, giulia, cursor=page.next_cursor, limit=1)
        assert rest.items[0]["id"] != page.items[0]["id"] and rest.next_cursor is None
        with pytest.raises(NotFound):
            mark_read(uow, luca, page.items[0]["id"])
        item = mark_read(uow, giulia, page.items[0]["id"])
        assert item["read_at"] is not None and item["case"] == seeded.overdue[0]
    with engine.uow() as uow:
        assert unread_count(uow, giulia) == 1
        assert len(list_notifications(uow, giulia, unread_only=True).items) == 1
        assert mark_all_read(uow, giulia) == 1
    with engine.uow(write=False) as uow:
        assert unread_count(uow, giulia) == 0
        read = uow.session.scalars(select(Notification.read_at)).all()
        assert all(at is not None for at in read)


def test_overdue_count_and_facets_follow_the_actors_scope(engine: Engine, seeded: Seeded) -> None:
    with engine.uow(write=False) as uow:
        giulia, marco = load_actor(uow, "giulia.rossi"), load_actor(uow, "marco.bassi")
        assert count_tasks(uow, giulia, TaskFilter(overdue=True)) == 2
        assert count_tasks(uow, giulia, TaskFilter()) == 6
        assert count_tasks(uow, marco, TaskFilter(overdue=True)) == 0
        facets = worklist_facets(uow, giulia)
        assert facets == {
            "processes": [PROCESS],
            "target_groups": ["adulti", "disabilita", "giovani", "violenza"],
        }
        assert worklist_facets(uow, marco) == {"processes": [], "target_groups": []}


def test_external_identity_maps_to_an_existing_user(engine: Engine, seeded: Seeded) -> None:
    with engine.uow(write=False) as uow:
        assert external_login(uow, "luca.ferri", None).username == "luca.ferri"
        by_mail = external_login(uow, "spid-0042", "Giulia.Rossi@example.org")
        assert by_mail.username == "giulia.rossi"
        with pytest.raises(Unauthenticated):
            external_login(uow, "spid-0042", "nobody@example.org")
    with engine.uow() as uow:
        user = uow.session.scalar(select(User).where(User.username == "luca.ferri"))
        assert user is not None
        user.active = False
        uow.commit()
    with engine.uow(write=False) as uow, pytest.raises(Unauthenticated):
        external_login(uow, "luca.ferri", None)


def test_colleagues_share_an_organisation(engine: Engine, seeded: Seeded) -> None:
    with engine.uow(write=False) as uow:
        giulia = load_actor(uow, "giulia.rossi")
        found = dict(colleagues(uow, giulia))
        assert found["luca.ferri"] == "Luca Ferri" and found["clara.conti"] == "Clara Conti"
        assert "marco.bassi" not in found
        # searched by a piece of the full name or of the username, whatever the case
        assert colleagues(uow, giulia, "FERR") == [("luca.ferri", "Luca Ferri")]
        assert colleagues(uow, giulia, "clara.c") == [("clara.conti", "Clara Conti")]
        # a wildcard is a character like any other, not "everyone"
        assert colleagues(uow, giulia, "%") == [] and colleagues(uow, giulia, "_") == []
        assert len(colleagues(uow, giulia, limit=2)) == 2


def test_colleagues_are_listed_once_each_by_name_up_to_a_cap(
    engine: Engine, seeded: Seeded
) -> None:
    with engine.uow() as uow:
        create_user(
            uow,
            "eva.bruni",
            memberships=[("comune_cremona", "case_manager"), ("comune_cremona", "equipe_member")],
            full_name="Eva Bruni",
        )
        create_user(
            uow,
            "elena.adami",
            memberships=[("comune_cremona", "equipe_member")],
            full_name="Élena Adami",
        )
        uow.commit()
    with engine.uow(write=False) as uow:
        giulia = load_actor(uow, "giulia.rossi")
        listed = colleagues(uow, giulia)
        assert [u for u, _name in listed].count("eva.bruni") == 1
        assert few_colleagues(uow, giulia, 6) == listed and len(listed) == 6  # ugo.rizzi too
        assert few_colleagues(uow, giulia, 5) is None  # past its cap, the page asks for a name
        names = [name for _u, name in listed]
        assert names.index("Élena Adami") < names.index("Eva Bruni")  # as people read names
        assert few_colleagues(uow, load_actor(uow, "marco.bassi"), 5) == [
            ("marco.bassi", "Marco Bassi")
        ]  # himself


def test_several_counts_are_read_in_one_statement(engine: Engine, seeded: Seeded) -> None:
    statements: list[str] = []
    event.listen(engine.db, "before_cursor_execute", lambda *a: statements.append(a[2]))
    with engine.uow(write=False) as uow:
        giulia = load_actor(uow, "giulia.rossi")
        filters = [TaskFilter(overdue=True), TaskFilter(assignee="none"), TaskFilter()]
        statements.clear()
        counts = count_open_tasks(uow, giulia, filters, unread_beside(giulia))
        assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1
        assert counts == [2, 6, 6, unread_count(uow, giulia)]
        statements.clear()
        worklist_facets(uow, giulia)
        assert len(statements) == 1
        with pytest.raises(ValueError):  # closed tasks are not counted from the index
            count_open_tasks(uow, giulia, [TaskFilter(state="completed")])


def test_a_counts_statement_built_once_reads_each_requests_values(
    engine: Engine, seeded: Seeded
) -> None:
    with engine.uow() as uow:
        luca = uow.session.scalar(select(User).where(User.username == "luca.ferri"))
        assert luca is not None
        for n in range(3):
            uow.session.add(
                Notification(user_id=luca.id, kind="assigned", title=f"n{n}", created_at=uow.now)
            )
        uow.commit()
    with engine.uow(write=False) as uow:
        giulia, luca_actor = load_actor(uow, "giulia.rossi"), load_actor(uow, "luca.ferri")
        for group in worklist_facets(uow, giulia)["target_groups"]:
            f = TaskFilter(target_group=group)
            listed = len(list_tasks(uow, giulia, f, limit=100).items)
            assert count_open_tasks(uow, giulia, [f])[0] == listed  # the same shape each time
        for actor, unread in ((giulia, 2), (luca_actor, 3)):
            assert count_open_tasks(uow, actor, [], unread_beside(actor)) == [unread]


def test_colleagues_are_found_whatever_the_case_and_accents_of_any_letter(
    engine: Engine, seeded: Seeded
) -> None:
    with engine.uow() as uow:
        for username, full_name in (
            ("nv01", "NICCOLÒ VERDI"),
            ("em02", "Élodie Marchal"),
        ):
            create_user(
                uow, username, memberships=[("comune_cremona", "case_manager")], full_name=full_name
            )
        create_user(
            uow, "ada.p", memberships=[("comune_cremona", "case_manager")], full_name="Ada 50%_x"
        )
        uow.commit()
    with engine.uow(write=False) as uow:
        giulia = load_actor(uow, "giulia.rossi")
        niccolo, elodie = ("nv01", "NICCOLÒ VERDI"), ("em02", "Élodie Marchal")
        assert colleagues(uow, giulia, "niccolò") == [niccolo]
        assert colleagues(uow, giulia, "Niccolo") == [niccolo]  # as typed without the accent
        assert colleagues(uow, giulia, "élodie") == [elodie]
        assert colleagues(uow, giulia, "ELODIE MARCH") == [elodie]
        # % and _ stay literal once folded
        assert colleagues(uow, giulia, "50%_") == [("ada.p", "Ada 50%_x")]
        assert colleagues(uow, giulia, "0_x") == []


def test_diagram_and_names_are_scoped_like_the_case(engine: Engine, seeded: Seeded) -> None:
    with engine.uow(write=False) as uow:
        giulia, marco = load_actor(uow, "giulia.rossi"), load_actor(uow, "marco.bassi")
        assert 'id="presa_atto"' in case_diagram(uow, giulia, seeded.cases[0])
        names = element_names(uow, giulia, seeded.cases[0])
        assert names["analisi_preliminare"] == "Analisi preliminare"
        with pytest.raises(CaseNotFound):
            case_diagram(uow, marco, seeded.cases[0])


def test_a_case_read_loads_its_instance_once_and_keeps_it(
    engine: Engine, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine.runtime._instances.clear()  # as after a restart, or in another process
    loads: list[int] = []
    load = engine.runtime.load

    def counted(*args: Any, **kwargs: Any) -> Any:
        loads.append(1)
        return load(*args, **kwargs)

    monkeypatch.setattr(engine.runtime, "load", counted)
    reference = seeded.cases[0]
    with engine.uow(write=False) as uow:
        giulia = load_actor(uow, "giulia.rossi")
        first = case_detail(uow, giulia, reference)
        assert len(loads) == 1  # its diagram and what it waits for: one instance
    with engine.uow(write=False) as uow:
        assert case_detail(uow, giulia, reference) == first
    assert len(loads) == 1  # the next reader takes the kept instance
