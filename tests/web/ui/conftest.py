"""UI tests through Flask's test client: a seeded network and a client that logs in and sends
the CSRF token of its session with every form."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from engine import Engine
from tests.seed import PASSWORD, Seeded, seed_network
from tests.support import FakeClock

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class UiClient:
    """A browser-like client: it logs in through /login and fills in the CSRF token."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def token(self) -> str:
        found = TOKEN.search(self.client.get("/login").get_data(as_text=True))
        if found is None:  # logged in: /login redirects; any page carries the token
            found = TOKEN.search(self.client.get("/notifications").get_data(as_text=True))
        assert found is not None
        return found.group(1)

    def login(self, username: str, password: str = PASSWORD) -> TestResponse:
        return self.post("/login", {"username": username, "password": password})

    def get(self, url: str, **kwargs: Any) -> TestResponse:
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> TestResponse:
        return self.client.post(url, data={**(data or {}), "csrf_token": self.token()}, **kwargs)


@pytest.fixture
def seeded(engine: Engine, clock: FakeClock) -> Seeded:
    return seed_network(engine, clock)


@pytest.fixture
def ui(app: Flask, seeded: Seeded) -> UiClient:
    return UiClient(app.test_client())


def text(response: TestResponse) -> str:
    return response.get_data(as_text=True)
