"""Test support shared by every tier: the database choice, a controllable clock, model files."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine as SqlEngine

from engine.store.tables import Base

FIXTURES = Path(__file__).parent / "fixtures"
PG_URL = os.environ.get("PERCORSI_TEST_DATABASE_URL") or None


@dataclass
class FakeClock:
    """A clock the test moves by hand."""

    now: datetime = field(default_factory=lambda: datetime(2026, 3, 2, 9, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def fixture_files(*names: str) -> dict[str, bytes]:
    """Model files from tests/fixtures (forms under fixtures/forms)."""
    out = {}
    for name in names:
        path = FIXTURES / name
        if not path.exists():
            path = FIXTURES / "forms" / name
        out[path.name] = path.read_bytes()
    return out


def truncate_all(db: SqlEngine) -> None:
    """Empty every table between PostgreSQL tests (the schema is made once per session)."""
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with db.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@contextmanager
def counted(db: SqlEngine) -> Iterator[list[str]]:
    """The SQL statements sent through `db` inside the block, in order."""
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(db, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db, "before_cursor_execute", count)


class Driver:
    """Drives an engine through its use cases, one unit of work per command, as a test would."""

    def __init__(self, engine: object) -> None:
        from engine import Engine

        assert isinstance(engine, Engine)
        self.engine = engine

    def actor(self, username: str | None = None):  # type: ignore[no-untyped-def]
        from engine.commands.accounts import load_actor

        with self.engine.uow(write=False) as uow:
            return load_actor(uow, username)

    def deploy(
        self, *names: str, files: dict[str, bytes] | None = None, as_user: str | None = None
    ):  # type: ignore[no-untyped-def]
        from engine.commands.deployment import deploy_model

        payload = files if files is not None else fixture_files(*names)
        with self.engine.uow() as uow:
            from engine.commands.accounts import load_actor

            return deploy_model(uow, payload, load_actor(uow, as_user))

    def start(self, process_id: str, data: dict | None = None, as_user: str | None = None, **kw):  # type: ignore[no-untyped-def]
        from engine.commands.accounts import load_actor
        from engine.commands.cases import start_case

        with self.engine.uow() as uow:
            return start_case(
                uow, process_id, data or {}, load_actor(uow, as_user), **kw
            ).case.reference

    def tasks(self, reference: str | None = None, group: str | None = None):  # type: ignore[no-untyped-def]
        from engine.reads.queries import open_tasks

        with self.engine.uow(write=False) as uow:
            return open_tasks(uow, case_reference=reference, group=group)

    def task(self, reference: str, element_id: str):  # type: ignore[no-untyped-def]
        found = [t for t in self.tasks(reference) if t.element_id == element_id]
        assert len(found) == 1, (
            f"expected one open {element_id}, got {[t.element_id for t in self.tasks(reference)]}"
        )
        return found[0]

    def complete(
        self, reference: str, element_id: str, data: dict | None = None, as_user: str | None = None
    ):  # type: ignore[no-untyped-def]
        from engine.commands.accounts import load_actor
        from engine.commands.tasks import complete_task

        task = self.task(reference, element_id)
        with self.engine.uow() as uow:
            return complete_task(uow, task.id, data or {}, load_actor(uow, as_user))

    def case(self, reference: str) -> dict:  # type: ignore[type-arg]
        from engine.reads.queries import case_view

        with self.engine.uow(write=False) as uow:
            return case_view(uow, reference)

    def open_elements(self, reference: str) -> list[str]:
        return sorted(t.element_id for t in self.tasks(reference))


def clone_case(engine: object, reference: str, copies: int) -> int:
    """Copy a waiting case's row `copies` times (same state, new references): many due timers
    without running start_case thousands of times. Returns the number of cases now running."""
    from sqlalchemy import func, insert, select

    from engine import Engine
    from engine.store.tables import Case

    assert isinstance(engine, Engine)
    with engine.uow() as uow:
        case = uow.session.scalar(select(Case).where(Case.reference == reference))
        assert case is not None
        columns = {
            c.key: getattr(case, c.key) for c in Case.__table__.columns if c.key not in ("id",)
        }
        rows = [{**columns, "reference": f"{reference}-{i:05d}"} for i in range(copies)]
        for start in range(0, len(rows), 1000):
            uow.session.execute(insert(Case), rows[start : start + 1000])
        uow.session.commit()
        return int(uow.session.scalar(select(func.count()).select_from(Case)) or 0)


def open_ui_session(client: object, engine: object, username: str) -> dict[str, str]:
    """Give a test client a logged-in session as the login page would (a server-side session
    row and the signed cookie naming it); returns the cookie's session values."""
    from flask.testing import FlaskClient

    from engine import Engine
    from engine.commands.logins import open_login_session

    assert isinstance(client, FlaskClient) and isinstance(engine, Engine)
    with engine.uow() as uow:
        key = open_login_session(uow, username)
    with client.session_transaction() as session:
        session["username"] = username
        session["sid"] = key
    return {"username": username, "sid": key}


def checked(
    network: Any, client: Any, xml: str, language: str = "it"
) -> tuple[dict[str, Any], list[str]]:
    """The API's refusal of a deploy of `xml` (422, problem+json), and the texts of the
    Modeler's check of the same diagram (as clara, a coordinator)."""
    from engine.commands.accounts import create_token

    with network.uow() as uow:
        token = create_token(uow, "clara", "tests").token
        uow.commit()
    upload = {"files": [(io.BytesIO(xml.encode()), "model.bpmn")]}
    response = client.post(
        "/api/v1/models", data=upload, headers={"Authorization": f"Bearer {token}"}
    )
    assert (response.status_code, response.mimetype) == (422, "application/problem+json")
    return response.get_json(), [e["text"] for e in modeler_check(network, client, xml, language)]


CHECK_HEADERS = {"X-CSRF-Token": "token", "Accept": "application/json"}


def modeler_check(
    network: Any, client: Any, xml: str, language: str = "it"
) -> list[dict[str, Any]]:
    """The problems of the Modeler's check of `xml`, each with its `text`."""
    open_ui_session(client, network, "clara")
    with client.session_transaction() as session:
        session["csrf_token"] = "token"
    validated = client.post(
        "/models/validate",
        json={"xml": xml},
        headers={**CHECK_HEADERS, "Accept-Language": language},
    )
    assert validated.status_code == 422
    errors: list[dict[str, Any]] = validated.get_json()["errors"]
    return errors
