"""A case carried through the pages, step by step, as the people who own each step.

`Walk` refers a case on the referral page, opens each task from the worklist of a user who holds
its role and organisation, fills its form in the page, completes it, and then reads the case
page: the next tasks must be the expected ones, each with its role and organisation in words.
Every page it reads must be in words (tests/browser/words.py). Timers are moved with the
engine's clock and the scheduler's `tick`, as `percorsi tick --now` does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from engine import SYSTEM, Engine, Settings
from engine.commands.deployment import deploy_model
from engine.scheduling.duties import tick
from engine.store.db import connect
from engine.store.schema import upgrade
from tests.browser.conftest import log_in
from tests.browser.words import SPOKEN, assert_in_words
from tests.support import FakeClock
from web.composition import build_engine, bundled_files
from workflows.demo_people import DEMO_PASSWORD, create_demo_users
from workflows.seed import seed_network

START = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # a Monday morning
SHOTS = Path(__file__).parent / "artifacts"  # with the other screenshots, not committed

# Roles and organisations as the pages name them
CASE_MANAGER = "Case manager (servizio sociale)"
CPI = "Operatore del Centro per l'Impiego"
COLLOCAMENTO = "Operatore del collocamento mirato"
ASST_OPERATOR = "Operatore ASST"
SIL_TUTOR = "Tutor SIL"
TRAINING_TUTOR = "Tutor della formazione"
COOP_TUTOR = "Tutor della cooperativa"
CAV_OPERATOR = "Operatrice del Centro antiviolenza"
EQUIPE = "Componente dell'Equipe di sistema"
COMUNE = "Comune di Cremona"
ASC = "Azienda Sociale del Cremonese (ASC)"
PROVINCIA = "Provincia di Cremona (CPI e collocamento mirato)"
ASST = "ASST di Cremona"
CR_FORMA = "Cr.Forma"
COOP = "Il Ponte, cooperativa sociale di tipo B (dimostrativa)"
CAV = "Centro antiviolenza AIDA Cremona"

Next = tuple[str, str, str]  # (task title, role, organisation) as the case page shows them


def set_up_network(url: str, clock: FakeClock) -> Engine:
    """A database as `make setup` leaves it without the demo's cases: the network, the bundled
    models and the demo users (every role of every organisation a step needs has one)."""
    db = connect(url)
    upgrade(db)
    db.dispose()
    engine = build_engine(Settings.from_env({}, database_url=url), clock=clock)
    with engine.uow() as uow:
        seed_network(uow)
    with engine.uow() as uow:
        deploy_model(uow, bundled_files(), SYSTEM)
    with engine.uow() as uow:
        create_demo_users(uow)
        uow.commit()
    return engine


def iso(day: date) -> str:
    return day.isoformat()


@dataclass
class Walk:
    """One case walked through the pages of a live server."""

    page: Any
    engine: Engine
    clock: FakeClock
    ref: str = ""
    user: str = ""
    # When set, each step's filled-in form is saved as "<steps>-NN-<step>.png" (the main
    # pathway's journey, for the closing note).
    steps: str = ""
    taken: int = 0

    @property
    def today(self) -> date:
        return self.clock.now.date()

    def days(self, n: int) -> str:
        """The day `n` days from the engine's today, as a date field takes it."""
        return iso(self.today + timedelta(days=n))

    def as_user(self, username: str) -> None:
        if username != self.user:
            self.page.context.clear_cookies()
            log_in(self.page, username, DEMO_PASSWORD)
            assert "/login" not in self.page.url, (
                f"{username} could not log in: " + self.page.locator("main").inner_text()
            )
            self.user = username

    def refer(self, username: str, data: dict[str, Any], organization: str = "") -> str:
        """Register the referral on its page; returns the new case's reference."""
        self.as_user(username)
        self.page.goto("/")
        self.page.locator("#new-referral").click()
        self.page.wait_for_load_state()
        if organization and self.page.locator("#f-organization").count():
            self.page.locator("#f-organization").select_option(organization)
        assert_in_words(self.page)
        fill(self.page, data)
        self.step_shot("Segnalazione")
        self.page.locator("#submit-referral").click()
        self.page.wait_for_load_state()
        _no_errors(self.page)
        assert "/cases/" in self.page.url, f"the referral was not registered: {self.page.url}"
        self.ref = self.page.url.rstrip("/").rsplit("/", 1)[-1].split("?")[0]
        assert_in_words(self.page)
        return self.ref

    def open_task(self, username: str, title: str) -> None:
        """The task from the user's worklist (all the tasks she may do)."""
        self.as_user(username)
        self.page.goto("/?view=all")
        rows = self.page.locator("table.worklist tbody tr").filter(has_text=self.ref)
        row = rows.filter(has=self.page.locator(".cell-task a", has_text=title))
        assert row.count() >= 1, (
            f"{username} does not find «{title}» of {self.ref} in her worklist: "
            f"{rows.all_inner_texts()!r}"
        )
        assert_in_words(self.page)
        row.first.locator(".cell-task a").click()
        self.page.wait_for_load_state()
        assert title in self.page.locator("h1").inner_text()
        if self.page.locator("#claim").count():
            self.page.locator("#claim").click()
            self.page.wait_for_load_state()
        assert_in_words(self.page)

    def do(self, username: str, title: str, data: dict[str, Any]) -> str:
        """Open the task as `username`, fill its form, complete it; returns the flash."""
        self.open_task(username, title)
        fill(self.page, data)
        self.step_shot(title)
        self.page.get_by_role("button", name="Completa attività").click()
        self.page.wait_for_load_state()
        _no_errors(self.page)
        done = self.page.locator(".flash-area").inner_text()
        assert done.startswith("Completata"), f"{title}: {done}"
        assert_in_words(self.page)
        return done

    def step_shot(self, title: str) -> None:
        """The page of a step, filled in, when this walk keeps one per step."""
        if not self.steps:
            return
        self.taken += 1
        slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{self.steps}-{self.taken:02d}-{slug}.png"
        self.page.screenshot(path=str(path), full_page=True)

    def case_page(self) -> str:
        self.page.goto(f"/cases/{self.ref}")
        assert self.page.locator("h1").count() and "/login" not in self.page.url
        assert_in_words(self.page)
        return str(self.page.locator("main").inner_text())

    def expect_next(self, *expected: Next) -> None:
        """The case page lists exactly these open tasks, each with its role and organisation."""
        self.case_page()
        items = self.page.locator("#tasks-title + ul > li")
        shown = items.all_inner_texts()
        section = self.page.locator("main").inner_text()
        assert len(shown) == len(expected), f"{self.ref} open tasks: {section}, expected {expected}"
        for title, role, org in expected:
            found = [t for t in shown if title in t]
            assert found, f"«{title}» is not open on {self.ref}: {shown}"
            assert any(role in t and org in t for t in found), (
                f"«{title}» is not for {role} · {org}: {found}"
            )

    def expect_none_open(self) -> None:
        self.case_page()
        assert self.page.locator("#tasks-title + ul > li").count() == 0
        assert "Nessuna attività aperta." in self.page.locator("main").inner_text()

    def wait(self, days: int) -> None:
        """Move the engine's clock on and run the scheduler once, as `percorsi tick` does."""
        self.clock.advance(days=days)
        tick(self.engine, self.clock.now)
        who, self.user = self.user, ""
        self.as_user(who)  # a month later her session has expired: she logs in again

    def closed(self, shot: str) -> str:
        """The case page at closure: concluded, nothing open; a screenshot for the note."""
        text = self.case_page()
        assert "Concluso" in self.page.locator(".case-status").inner_text()
        assert self.page.locator("#tasks-title + ul > li").count() == 0
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{shot}.png"), full_page=True)
        return text


def fill(page: Any, data: dict[str, Any], prefix: str = "") -> None:
    """Type `data` into the form as a person would: radios and checkboxes by their labels,
    selects by option, rows added with the form's own button."""
    for key, value in data.items():
        name = f"{prefix}{key}"
        dom = "f-" + name.replace(".", "-")
        if isinstance(value, dict):
            fill(page, value, f"{name}.")
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for i, row in enumerate(value):
                if page.locator(f"#{dom} [data-row]").count() <= i:
                    page.locator(f"#{dom}-add").click()
                fill(page, row, f"{name}.{i}.")
        elif isinstance(value, list):
            for choice in value:
                _choose(page, name, str(choice))
        elif isinstance(value, bool):
            _choose(page, name, "true" if value else "false")
        else:
            box = page.locator(f"#{dom}")
            assert box.count() == 1, f"the page draws no field {name}"
            tag = box.evaluate("e => e.tagName")
            if tag == "SELECT":
                box.select_option(str(value))
            elif tag == "FIELDSET":
                _choose(page, name, str(value))
            else:
                box.fill(str(value))


def _choose(page: Any, name: str, value: str) -> None:
    choice = page.locator(f'input[name="{name}"][value="{value}"]')
    assert choice.count() == 1, f"the page offers no «{value}» for {name}"
    page.locator(f"label[for='{choice.get_attribute('id')}']").click()


def _no_errors(page: Any) -> None:
    summary = page.locator("#error-summary, #refusal, .alert-danger, .alert-warning")
    assert summary.count() == 0, f"{page.url} refused the form: {summary.all_inner_texts()}"


def hides(page: Any, *words: str) -> None:
    """The page (text and spoken labels) shows none of `words`."""
    text = page.locator("body").inner_text() + page.evaluate(SPOKEN)
    shown = [w for w in words if w in text]
    assert not shown, f"{page.url} reveals {shown}"
