"""Notices that are read: nobody is told of the tasks she just opened, a parallel step's tasks
make one notice, and unread notices about the same step fold into one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from types import SimpleNamespace

from sqlalchemy import select

from engine.notices.mail import title_of
from engine.notices.outbox import deliver_due
from engine.scheduling.escalation import escalate_due_tasks
from engine.store.tables import Notification, Outbox, User
from tests.workflows.conftest import ANALISI, Walk

PACT = {"pact_kind": "patto_servizio"}
TWO_COURSES = [  # both delivered by Cr.Forma: two tasks of one step for its tutor
    {"type": "formazione", "end_date": "2026-09-30"},
    {"type": "formazione", "end_date": "2026-12-31"},
]


def notices_to(walk: Walk, username: str) -> list[SimpleNamespace]:
    deliver_due(walk.engine, walk.clock.now)
    with walk.engine.uow(write=False) as uow:
        user_id = uow.session.scalar(select(User.id).where(User.username == username))
        found = uow.session.scalars(
            select(Notification).where(Notification.user_id == user_id).order_by(Notification.id)
        ).all()
        columns = ("kind", "title", "payload", "task_id", "created_at")
        return [SimpleNamespace(**{c: getattr(n, c) for c in columns}) for n in found]


def queued_for(walk: Walk, username: str, element: str) -> int:
    with walk.engine.uow(write=False) as uow:
        rows = uow.session.scalars(select(Outbox).where(Outbox.recipient == username)).all()
        return sum(1 for r in rows if r.payload.get("element_id") == element)


def test_who_moved_the_case_is_not_told_of_the_tasks_she_opened(
    walk: Walk, refer: Callable[..., str]
) -> None:
    ref = refer("adulti", organization="cgil")
    assert queued_for(walk, "giulia.rossi", "presa_atto") == 1  # opened by the referral
    walk.do(ref, "presa_atto", {"resident": True, "adi": False})  # as giulia.rossi
    assert "analisi_preliminare" in walk.open_elements(ref)
    assert queued_for(walk, "giulia.rossi", "analisi_preliminare") == 0  # she was told on the page


def test_a_parallel_steps_tasks_make_one_notice_and_unread_ones_fold(
    walk: Walk, refer: Callable[..., str]
) -> None:
    ref = refer("adulti", organization="comune_cremona")
    walk.do(ref, "presa_atto", {"resident": True, "adi": False})
    walk.do(ref, "analisi_preliminare", {**ANALISI, "work_ready": True})
    walk.do(
        ref, "patto_servizio_cpi", {**PACT, "patto_date": walk.today(), "services": TWO_COURSES}
    )
    assert walk.open_elements(ref).count("avvio_formazione") == 2
    grouped = [
        n
        for n in notices_to(walk, "davide.greco")
        if n.payload and n.payload.get("element_id") == "avvio_formazione"
    ]
    assert len(grouped) == 1 and grouped[0].payload["count"] == 2
    assert grouped[0].task_id is None  # two tasks: the notice opens the case
    assert "Nuova attività «Avvio: Formazione (Cr.Forma)»" in grouped[0].title
    assert grouped[0].title.endswith(f"(2) - {ref}")

    walk.clock.advance(days=31)  # both are overdue: one step of the ladder each
    escalate_due_tasks(walk.engine, walk.clock.now)
    overdue = [n for n in notices_to(walk, "davide.greco") if n.kind == "task_overdue"]
    assert len(overdue) == 1 and overdue[0].payload["count"] == 2


def test_an_item_names_the_service_in_the_notice(walk: Walk, refer: Callable[..., str]) -> None:
    ref = refer("adulti", organization="comune_cremona")
    walk.do(ref, "presa_atto", {"resident": True, "adi": False})
    walk.do(ref, "analisi_preliminare", {**ANALISI, "work_ready": True})
    service = [{"type": "formazione", "end_date": "2026-09-30"}]
    walk.do(ref, "patto_servizio_cpi", {**PACT, "patto_date": walk.today(), "services": service})
    [notice] = [n for n in notices_to(walk, "davide.greco") if n.kind == "task_emitted"]
    assert notice.payload["item"] == {"it": "Formazione (Cr.Forma)", "en": "Training (Cr.Forma)"}
    assert "«Avvio: Formazione (Cr.Forma)» - CR-" in notice.title  # the name says it once
    closing = {**notice.payload, "task_name": "Conclusione del servizio", "count": 1}
    assert "«Conclusione del servizio — Formazione (Cr.Forma)»" in title_of(closing)
    assert walk.clock.now + timedelta(days=1) > notice.created_at
