"""Authentication: bearer tokens, the UI's session cookie with CSRF protection, rate limits."""

from __future__ import annotations

import pytest
from flask import Flask

from engine.commands.accounts import create_token
from engine.commands.logins import TOKEN_FAILURE_LIMIT
from engine.errors import Unauthenticated
from tests.support import FakeClock, open_ui_session
from tests.web.conftest import Api, problem_of
from web.auth import TooManyAttempts, login


def test_missing_or_wrong_token_is_401_with_a_challenge(api: Api) -> None:
    response = api.anonymous.get("/api/v1/me")
    assert problem_of(response, 401)["title"] == "Authentication required"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = api.client.get("/api/v1/me", headers={"Authorization": "Bearer pct_nope"})
    assert "invalid or revoked" in problem_of(wrong, 401)["detail"]


def test_me_shows_roles_and_organisations(api: Api) -> None:
    me = api.as_("giulia").get("/api/v1/me").json
    assert me["username"] == "giulia" and me["roles"] == ["case_manager"]
    assert me["memberships"] == [{"organization": "comune_cremona", "role": "case_manager"}]
    assert api.as_("root").get("/api/v1/me").json["is_admin"] is True


def test_revoked_token_and_disabled_user_stop_working(api: Api) -> None:
    root = api.as_("root")
    [token] = root.get("/api/v1/admin/tokens?user=marco").json["items"]
    assert root.delete(f"/api/v1/admin/tokens/{token['id']}").json["revoked_at"] is not None
    problem_of(api.as_("marco").get("/api/v1/me"), 401)
    assert root.patch("/api/v1/admin/users/sara", json={"active": False}).status_code == 200
    problem_of(api.as_("sara").get("/api/v1/me"), 401)


def test_last_use_is_noted_but_not_on_every_request(api: Api, clock: FakeClock) -> None:
    def last_used() -> str | None:
        [row] = api.as_("root").get("/api/v1/admin/tokens?user=marco").json["items"]
        return row["last_used_at"]  # type: ignore[no-any-return]

    assert last_used() is None
    api.as_("marco").get("/api/v1/me")
    first = last_used()
    assert first is not None and first.startswith("2026-03-02T09:00:00")
    clock.advance(minutes=5)
    api.as_("marco").get("/api/v1/me")
    assert last_used() == first
    clock.advance(minutes=6)
    api.as_("marco").get("/api/v1/me")
    assert last_used() != first


def test_failed_authentications_are_rate_limited_per_address(api: Api) -> None:
    """Bad tokens from one address get 429 past the limit; a good token still works there."""
    for _ in range(TOKEN_FAILURE_LIMIT):
        problem_of(api.client.get("/api/v1/me", headers={"Authorization": "Bearer bad"}), 401)
    flooded = api.client.get("/api/v1/me", headers={"Authorization": "Bearer bad"})
    assert problem_of(flooded, 429)["title"] == "Too many attempts"
    elsewhere = api.client.get(
        "/api/v1/me",
        headers={"Authorization": "Bearer bad"},
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
    )
    assert elsewhere.status_code == 401
    assert api.as_("giulia").get("/api/v1/me").status_code == 200


def test_ui_login_is_rate_limited_too(api: Api, app: Flask) -> None:
    with app.test_request_context("/login", method="POST"):
        assert login("giulia", "pw-giulia-1").username == "giulia"
        for _ in range(10):
            with pytest.raises(Unauthenticated):
                login("giulia", "wrong")
        with pytest.raises(TooManyAttempts):
            login("giulia", "pw-giulia-1")


def test_session_cookie_authenticates_and_writes_need_the_csrf_header(api: Api) -> None:
    open_ui_session(api.client, api.engine, "giulia")
    assert api.client.get("/api/v1/me").json["username"] == "giulia"
    body = {"process_id": "three_tasks"}
    forged = api.client.post("/api/v1/cases", json=body)
    assert "X-Requested-With" in problem_of(forged, 403)["detail"]
    ok = api.client.post("/api/v1/cases", json=body, headers={"X-Requested-With": "fetch"})
    assert ok.status_code == 201
    with api.engine.uow() as uow:  # a token needs no such header
        token = create_token(uow, "giulia").token
        uow.commit()
    response = api.client.post(
        "/api/v1/cases", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 201


def test_every_operation_answers_401_without_credentials(api: Api) -> None:
    spec = api.anonymous.get("/api/v1/openapi.json").json
    values = {"reference": "CR-2026-000001", "process_id": "three_tasks", "number": "1"}
    checked = 0
    for template, operations in spec["paths"].items():
        path = template
        for name in ("task_id", "incident_id", "token_id"):
            path = path.replace("{" + name + "}", "1")
        for name, value in values.items():
            path = path.replace("{" + name + "}", value)
        path = path.replace("{", "").replace("}", "")  # other names: any text will do
        for method in set(operations) - {"parameters"}:
            response = api.client.open(path, method=method.upper(), json={})
            assert problem_of(response, 401), (method, path)
            checked += 1
    assert checked >= 30
