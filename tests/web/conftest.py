"""API fixtures: the network's people with tokens, a deployed model, and a client per person."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner, Result
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from engine import Engine
from engine.commands import accounts
from engine.commands.accounts import create_token, create_user, ensure_organization
from tests.support import Driver
from web.cli import main

PEOPLE = {
    "giulia": [("comune_cremona", "case_manager")],  # from the `network` fixture
    "marco": [("provincia_cremona", "cpi_operator")],
    "clara": [("comune_cremona", "coordinator")],
    "paolo": [("comune_cremona", "case_manager")],
    "sara": [("cr_forma", "training_tutor")],
    "anna": [("cav_aida", "cav_operator")],
    "ugo": [("comune_cremona", "cabina_viewer")],
    "ada": [("comune_cremona", "auditor")],
    "root": [],
}


class Caller:
    """Requests as one person, authenticated with their bearer token."""

    def __init__(self, client: FlaskClient, token: str | None) -> None:
        self.client, self.token = client, token

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**headers, **(extra or {})}

    def get(self, path: str, headers: dict[str, str] | None = None, **kw: Any) -> TestResponse:
        return self.client.get(path, headers=self._headers(headers), **kw)

    def post(self, path: str, headers: dict[str, str] | None = None, **kw: Any) -> TestResponse:
        return self.client.post(path, headers=self._headers(headers), **kw)

    def put(self, path: str, headers: dict[str, str] | None = None, **kw: Any) -> TestResponse:
        return self.client.put(path, headers=self._headers(headers), **kw)

    def patch(self, path: str, headers: dict[str, str] | None = None, **kw: Any) -> TestResponse:
        return self.client.patch(path, headers=self._headers(headers), **kw)

    def delete(self, path: str, headers: dict[str, str] | None = None, **kw: Any) -> TestResponse:
        return self.client.delete(path, headers=self._headers(headers), **kw)


@dataclass
class Api:
    """The API as the network's people see it."""

    client: FlaskClient
    engine: Engine
    tokens: dict[str, str]

    def as_(self, username: str | None) -> Caller:
        return Caller(self.client, self.tokens[username] if username else None)

    @property
    def anonymous(self) -> Caller:
        return Caller(self.client, None)

    def start(self, data: dict[str, Any] | None = None, as_user: str = "giulia", **kw: Any) -> str:
        """Start a three_tasks case through the API; its reference."""
        body = {"process_id": "three_tasks", "data": data or {}, **kw}
        response = self.as_(as_user).post("/api/v1/cases", json=body)
        assert response.status_code == 201, response.json
        return str(response.json["reference"])

    def task_id(self, reference: str, element_id: str = "intake") -> int:
        [task] = [t for t in Driver(self.engine).tasks(reference) if t.element_id == element_id]
        return int(task.id)


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2 at its lowest cost: the default (64 MiB, 3 passes) makes each test's
    people take seconds on a busy machine, and the cost is not what these tests are about."""
    monkeypatch.setattr(
        accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


@pytest.fixture
def api(network: Engine, client: FlaskClient) -> Api:
    tokens = {}
    with network.uow() as uow:
        ensure_organization(uow, "cr_forma", "Cr.Forma")
        for username, memberships in PEOPLE.items():
            if username not in ("giulia", "marco", "clara"):
                create_user(uow, username, memberships=memberships, is_admin=username == "root")
            tokens[username] = create_token(uow, username, "tests").token
        uow.commit()
    Driver(network).deploy("three_tasks.bpmn", "intake.json")
    return Api(client, network, tokens)


@pytest.fixture
def percorsi(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Run `percorsi ARGS` in this process against the test database."""
    monkeypatch.setenv("PERCORSI_DATABASE_URL", database_url)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


def problem_of(response: TestResponse, status: int) -> dict[str, Any]:
    """The problem+json body of a response, checked for its status and shape."""
    assert response.status_code == status, (response.status_code, response.data[:500])
    assert response.mimetype == "application/problem+json"
    body: dict[str, Any] = response.json  # type: ignore[assignment]
    assert body["status"] == status and body["title"] and body["detail"] and body["type"]
    return body
