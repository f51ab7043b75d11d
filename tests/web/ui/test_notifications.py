"""In-app notifications: the header's unread count, the list, marking them read."""

from __future__ import annotations

import re

from engine import Engine
from tests.seed import Seeded
from tests.support import FakeClock

from .conftest import UiClient, text


def _unread(page: str) -> int:
    found = re.search(r'id="notifications-bell".*?<strong>(\d+)</strong>', page, re.S)
    assert found is not None
    return int(found.group(1))


def test_header_bell_counts_unread_and_reading_opens_the_task(ui: UiClient, seeded: Seeded) -> None:
    ui.login("giulia.rossi")
    page = text(ui.get("/notifications"))
    assert _unread(page) == 2 and "Attività scaduta: Presa d&#39;atto" in page
    ids = re.findall(r'action="/notifications/(\d+)/read"', page)
    response = ui.post(f"/notifications/{ids[0]}/read")
    assert response.location.startswith("/tasks/")
    assert _unread(text(ui.get("/"))) == 1
    ui.post("/notifications/read-all")
    assert _unread(text(ui.get("/"))) == 0


def test_someone_elses_notification_is_not_found(ui: UiClient, seeded: Seeded) -> None:
    ui.login("giulia.rossi")
    [first, *_] = re.findall(r'action="/notifications/(\d+)/read"', text(ui.get("/notifications")))
    ui.post("/logout")
    ui.login("luca.ferri")
    assert "Non ci sono notifiche." in text(ui.get("/notifications"))
    assert ui.post(f"/notifications/{first}/read").status_code == 404


def test_titles_follow_the_language_and_the_choice_is_kept_for_mail(
    ui: UiClient, seeded: Seeded, engine: Engine, clock: FakeClock
) -> None:
    from sqlalchemy import select

    from engine.notices.outbox import deliver_due
    from engine.store.tables import User
    from tests.seed import PROCESS
    from tests.support import Driver

    reference = Driver(engine).start(
        PROCESS, {"target_group": "adulti"}, organization="comune_cremona"
    )
    deliver_due(engine, clock.now)
    ui.login("giulia.rossi")
    assert "Nuova attività «Presa d&#39;atto»" in text(ui.get("/notifications"))
    ui.post("/lang/en", {"next": "/notifications"})
    english = text(ui.get("/notifications"))
    assert "New task «Presa d&#39;atto»" in english and reference in english
    with engine.uow(write=False) as uow:
        assert (
            uow.session.scalar(select(User.locale).where(User.username == "giulia.rossi")) == "en"
        )
