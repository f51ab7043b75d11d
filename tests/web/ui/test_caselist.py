"""The case list ("I miei casi", /cases): a page's statements do not grow with its cases."""

from __future__ import annotations

import re

from engine import Engine
from tests.seed import PROCESS, Seeded
from tests.support import Driver, counted

from .conftest import UiClient, text

# Statements that read or write, per page of "I miei casi" (13 on PostgreSQL before a page's open
# tasks and names were read in one statement, baf7e13): the session's actor; the page's cases;
# their open tasks, next due dates and names; the consents and names of the restricted ones the
# reader may name; the audit of those reads (PostgreSQL locks their case rows first, SQLite's
# BEGIN IMMEDIATE locks the database), its chain heads read, its events and heads written; the
# header's counts; the page's words. BEGIN and COMMIT are counted only in the comparison: they
# are the unit of work's, and PostgreSQL's COMMIT goes with the last writes in one pipeline.
MOST = {"postgresql": 11, "sqlite": 10}
TRANSACTION = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def open_cases(drive: Driver, count: int, first: int) -> list[str]:
    """Cases Luca refers, every third one restricted (he is its case manager and may read the
    name, a read the list audits)."""
    references = []
    for n in range(first, first + count):
        data = {"target_group": "adulti", "comune": "Cremona"}
        if n % 3 == 0:
            subject = {"given_name": "Ada", "family_name": f"Riservata {n}"}
            data = {"target_group": "violenza", "restricted": True, "subject": subject}
            data["consents"] = {"identity_to_case_manager": True}
        references.append(
            drive.start(PROCESS, data, as_user="luca.ferri", organization="comune_cremona")
        )
    return references


def page_of_mine(ui: UiClient, engine: Engine) -> tuple[str, list[str]]:
    """The page, and the statements it ran (after a first visit built what is built once)."""
    ui.get("/cases")
    with counted(engine.db) as statements:
        page = ui.get("/cases")
    assert page.status_code == 200
    return text(page), statements


def listed(page: str) -> list[str]:
    return re.findall(r'<tr class="[^"]*" data-case="([^"]+)">', page)


def work(statements: list[str]) -> list[str]:
    """The statements that read or write (not BEGIN or COMMIT)."""
    return [s for s in statements if not s.lstrip().upper().startswith(TRANSACTION)]


def test_my_cases_take_the_same_statements_for_3_cases_as_for_12(
    ui: UiClient, engine: Engine, seeded: Seeded
) -> None:
    drive = Driver(engine)
    few = open_cases(drive, 3, 0)
    ui.login("luca.ferri")  # Giulia's seeded cases are not his

    page, statements = page_of_mine(ui, engine)
    assert sorted(listed(page)) == sorted(few)
    assert "Ada Riservata 0" in page  # a restricted name, read and audited

    many = few + open_cases(drive, 9, 3)
    page, more_statements = page_of_mine(ui, engine)
    assert sorted(listed(page)) == sorted(many)
    assert "Ada Riservata 9" in page

    assert len(more_statements) == len(statements), (statements, more_statements)
    assert len(work(statements)) <= MOST[engine.db.dialect.name], work(statements)
