"""Findings 8 and 9 of the red-team pass: the login limit cannot be raced and is shared by every
process, no hash is computed past it, bad tokens lock out nobody, argon2 runs a bounded number
of hashes at once, ProxyFix is a setting, tokens expire and have scopes, and logging out ends
the session on the server."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner
from flask import Flask

from engine import Engine
from engine.commands import accounts
from engine.commands.logins import ACCOUNT_LIMIT, ADDRESS_LIMIT, TOKEN_FAILURE_LIMIT
from tests.support import FakeClock
from tests.web.conftest import Api, problem_of
from web.app import create_app
from web.cli import main
from web.cli.common import Context
from web.composition import build_engine


class CountingHasher(PasswordHasher):
    """The real argon2 hasher (cheap settings) that counts verifications and their overlap."""

    def __init__(self, pause: float = 0.0) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.pause = pause
        self.calls = 0
        self.running = 0
        self.most = 0
        self._lock = threading.Lock()

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        with self._lock:
            self.calls += 1
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            time.sleep(self.pause)
            return super().verify(hash, password)
        finally:
            with self._lock:
                self.running -= 1


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    counting = CountingHasher()
    monkeypatch.setattr(accounts, "_HASHER", counting)
    return counting


def post_login(app: Flask, username: str, password: str, address: str = "10.1.1.1") -> int:
    from tests.web.ui.conftest import UiClient

    ui = UiClient(app.test_client())
    response = ui.client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": ui.token()},
        environ_base={"REMOTE_ADDR": address},
    )
    return response.status_code


def test_concurrent_guesses_cannot_race_past_the_limit(
    api: Api, app: Flask, hasher: CountingHasher
) -> None:
    """60 guesses at once against a limit of 10: no more than 10 are checked."""
    results: list[int] = []

    def guess(number: int) -> None:
        results.append(post_login(app, "giulia", f"guess-{number}", f"10.2.0.{number % 50}"))

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(60)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert hasher.calls <= ACCOUNT_LIMIT
    assert results.count(401) <= ACCOUNT_LIMIT and results.count(429) >= 60 - ACCOUNT_LIMIT
    assert sorted(set(results)) == [401, 429]


def test_no_hash_is_computed_once_the_limit_is_reached(
    api: Api, app: Flask, hasher: CountingHasher
) -> None:
    for _ in range(ACCOUNT_LIMIT):
        assert post_login(app, "giulia", "wrong") == 401
    before = hasher.calls
    assert post_login(app, "giulia", "pw-giulia-1") == 429
    assert post_login(app, "giulia", "wrong", "10.9.9.9") == 429  # per account, any address
    assert hasher.calls == before


def test_the_limit_is_shared_by_every_process(
    api: Api, app: Flask, engine: Engine, clock: FakeClock, hasher: CountingHasher
) -> None:
    """A second app on its own engine (another worker or process) sees the same count."""
    other_engine = build_engine(engine.settings, clock=clock)
    other = create_app({"TESTING": True, "SECRET_KEY": "test-secret"}, engine=other_engine)
    for number in range(ACCOUNT_LIMIT):
        assert post_login(app if number % 2 else other, "giulia", "wrong") == 401
    assert post_login(other, "giulia", "pw-giulia-1") == 429
    assert post_login(app, "giulia", "pw-giulia-1") == 429
    other_engine.dispose()


def test_one_address_is_limited_across_accounts(api: Api, app: Flask) -> None:
    for number in range(ADDRESS_LIMIT):
        assert post_login(app, f"nobody-{number}", "wrong", "10.3.3.3") == 401
    assert post_login(app, "giulia", "pw-giulia-1", "10.3.3.3") == 429
    assert post_login(app, "giulia", "pw-giulia-1", "10.3.3.4") == 302


def test_a_successful_login_clears_the_account_count(api: Api, app: Flask) -> None:
    for _ in range(ACCOUNT_LIMIT - 1):
        assert post_login(app, "giulia", "wrong") == 401
    assert post_login(app, "giulia", "pw-giulia-1") == 302
    assert post_login(app, "giulia", "wrong") == 401  # a fresh window of attempts


def test_bad_bearer_tokens_do_not_lock_out_valid_ones(api: Api) -> None:
    for _ in range(TOKEN_FAILURE_LIMIT):
        problem_of(api.client.get("/api/v1/me", headers={"Authorization": "Bearer bad"}), 401)
    flooded = api.client.get("/api/v1/me", headers={"Authorization": "Bearer bad"})
    assert problem_of(flooded, 429)["title"] == "Too many attempts"
    assert 0 < int(flooded.headers["Retry-After"]) <= 15 * 60 + 1
    assert api.as_("giulia").get("/api/v1/me").json["username"] == "giulia"


def test_concurrent_logins_hash_a_bounded_number_at_once(
    api: Api, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow = CountingHasher(pause=0.02)
    monkeypatch.setattr(accounts, "_HASHER", slow)
    statuses: list[int] = []

    def attempt(number: int) -> None:  # users with a (cheap) hash: the dummy one is costly
        username = ("giulia", "marco", "clara")[number % 3]
        statuses.append(post_login(app, username, "wrong", f"10.4.0.{number}"))

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [401] * 20
    assert slow.calls == 20
    assert slow.most <= 2


@pytest.mark.parametrize("hops", [0, 1])
def test_proxy_fix_is_a_setting(engine: Engine, api: Api, hops: int) -> None:
    """Behind one proxy, X-Forwarded-For names the client; without the setting it is ignored."""
    settings = replace(engine.settings, proxy_hops=hops)
    proxied = build_engine(settings, clock=engine.clock)
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret"}, engine=proxied)
    client = app.test_client()
    seen = client.get(
        "/api/v1/me",
        headers={"Authorization": "Bearer bad", "X-Forwarded-For": "203.0.113.7"},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )
    assert seen.status_code == 401
    with proxied.uow(write=False) as uow:
        from sqlalchemy import select

        from engine.store.tables import AuthAttempt

        keys = uow.session.scalars(select(AuthAttempt.key)).all()
    assert keys == (["token:203.0.113.7"] if hops else ["token:127.0.0.1"])
    proxied.dispose()


def test_read_only_tokens_only_read_and_tokens_expire(api: Api, clock: FakeClock) -> None:
    root = api.as_("root")
    issued = root.post(
        "/api/v1/admin/tokens",
        json={"user": "giulia", "name": "report", "scope": "read", "expires_in": "PT1H"},
    )
    assert issued.status_code == 201, issued.json
    assert issued.json["scope"] == "read" and issued.json["expires_at"].startswith("2026-03-02T10")
    headers = {"Authorization": f"Bearer {issued.json['token']}"}
    assert api.client.get("/api/v1/cases", headers=headers).status_code == 200
    write = api.client.post("/api/v1/cases", json={"process_id": "three_tasks"}, headers=headers)
    assert "only read" in problem_of(write, 403)["detail"]
    clock.advance(hours=2)
    expired = api.client.get("/api/v1/me", headers=headers)
    assert "expired" in problem_of(expired, 401)["detail"]
    default = root.post("/api/v1/admin/tokens", json={"user": "giulia"}).json
    assert default["scope"] == "read-write" and default["expires_at"].startswith("2027-03-02")
    bad = root.post("/api/v1/admin/tokens", json={"user": "giulia", "expires_in": "P999Y"})
    assert problem_of(bad, 422)


def test_tokens_from_the_cli_have_a_scope_and_an_expiry(
    api: Api, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PERCORSI_DATABASE_URL", database_url)

    def run(*args: str) -> Any:
        context = Context()
        try:
            return CliRunner().invoke(main, list(args), obj=context)
        finally:
            if context._engine is not None:
                context._engine.dispose()

    result = run("token", "create", "marco", "--scope", "read", "--expires", "P30D", "--json")
    assert result.exit_code == 0, result.output
    row = json.loads(result.output)
    expires = datetime.fromisoformat(row["expires_at"])
    assert row["scope"] == "read"
    assert abs(expires - (datetime.now(UTC) + timedelta(days=30))) < timedelta(hours=1)
    bad = run("token", "create", "marco", "--expires", "soon")
    assert bad.exit_code == 2 and "ISO 8601" in bad.output


def test_logout_ends_the_session_on_the_server(api: Api, app: Flask) -> None:
    from tests.web.ui.conftest import UiClient

    ui = UiClient(app.test_client())
    assert ui.login("giulia", "pw-giulia-1").status_code == 302
    cookie = ui.client.get_cookie("session")
    assert cookie is not None
    assert ui.client.get("/api/v1/me").status_code == 200
    assert ui.post("/logout").status_code == 302

    replay = app.test_client()
    replay.set_cookie("session", cookie.value)
    problem_of(replay.get("/api/v1/me"), 401)
    page = replay.get("/")
    assert page.status_code == 302 and page.location.startswith("/login")


def test_an_office_behind_one_address_is_limited_by_failures_only(api: Api, app: Flask) -> None:
    for _ in range(ADDRESS_LIMIT + 5):
        assert post_login(app, "giulia", "pw-giulia-1", "10.8.8.8") == 302
    assert post_login(app, "marco", "wrong", "10.8.8.8") == 401


def test_a_session_ends_after_eight_hours_on_the_server_too(
    api: Api, app: Flask, clock: FakeClock
) -> None:
    from tests.web.ui.conftest import UiClient

    ui = UiClient(app.test_client())
    assert ui.login("giulia", "pw-giulia-1").status_code == 302
    assert ui.client.get("/api/v1/me").status_code == 200
    clock.advance(hours=8, minutes=1)
    problem_of(ui.client.get("/api/v1/me"), 401)
