"""/api/v1/admin: organisations, users, memberships and tokens, for administrators only."""

from __future__ import annotations

import pytest

from tests.web.conftest import Api, problem_of

ADMIN_GETS = ["/api/v1/admin/users", "/api/v1/admin/users/giulia", "/api/v1/admin/tokens"]


def test_organisations(api: Api) -> None:
    root = api.as_("root")
    saved = root.put("/api/v1/admin/organizations/cisl", json={"name": "CISL", "kind": "union"})
    assert saved.status_code == 200 and saved.json == {
        "code": "cisl",
        "name": "CISL",
        "kind": "union",
    }
    codes = [o["code"] for o in api.as_("giulia").get("/api/v1/admin/organizations").json["items"]]
    assert "cisl" in codes and "comune_cremona" in codes
    problem_of(api.as_("clara").put("/api/v1/admin/organizations/uil", json={"name": "UIL"}), 403)
    problem_of(root.put("/api/v1/admin/organizations/bad code", json={"name": "X"}), 422)
    problem_of(root.put("/api/v1/admin/organizations/uil", json={}), 422)


def test_users_and_memberships(api: Api) -> None:
    root = api.as_("root")
    body = {
        "username": "lucia",
        "full_name": "Lucia Demo",
        "password": "a-long-password",
        "memberships": [{"organization": "asst_cremona", "role": "asst_operator"}],
    }
    created = root.post("/api/v1/admin/users", json=body)
    assert created.status_code == 201 and created.json["memberships"] == body["memberships"]
    problem_of(root.post("/api/v1/admin/users", json=body), 409)
    problem_of(root.post("/api/v1/admin/users", json={**body, "username": "x y"}), 422)
    wrong_role = {
        **body,
        "username": "luca",
        "memberships": [{"organization": "asst_cremona", "role": "boss"}],
    }
    problem_of(root.post("/api/v1/admin/users", json=wrong_role), 422)
    unknown_org = {
        **body,
        "username": "luca",
        "memberships": [{"organization": "x", "role": "auditor"}],
    }
    problem_of(root.post("/api/v1/admin/users", json=unknown_org), 422)
    granted = root.post(
        "/api/v1/admin/users/lucia/memberships",
        json={"organization": "comune_cremona", "role": "equipe_member"},
    )
    assert granted.status_code == 201 and len(granted.json["memberships"]) == 2
    gone = root.delete("/api/v1/admin/users/lucia/memberships/asst_cremona/asst_operator")
    assert gone.status_code == 204
    problem_of(root.delete("/api/v1/admin/users/lucia/memberships/asst_cremona/asst_operator"), 404)
    lucia = root.get("/api/v1/admin/users/lucia").json
    assert lucia["memberships"] == [{"organization": "comune_cremona", "role": "equipe_member"}]
    changed = root.patch("/api/v1/admin/users/lucia", json={"email": "lucia@example.org"})
    assert changed.json["email"] == "lucia@example.org"
    problem_of(root.patch("/api/v1/admin/users/lucia", json={"username": "x"}), 422)
    problem_of(root.get("/api/v1/admin/users/nobody"), 404)
    assert "lucia" in [u["username"] for u in root.get("/api/v1/admin/users").json["items"]]


def test_tokens_are_shown_once_and_revocable(api: Api) -> None:
    root = api.as_("root")
    issued = root.post("/api/v1/admin/tokens", json={"user": "clara", "name": "etl"})
    assert issued.status_code == 201 and issued.json["token"].startswith("pct_")
    token = issued.json["token"]
    who = api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert who.json["username"] == "clara"
    listed = root.get("/api/v1/admin/tokens?user=clara").json["items"]
    assert [t["name"] for t in listed] == ["tests", "etl"] and "token" not in listed[1]
    assert token not in root.get("/api/v1/admin/tokens").get_data(as_text=True)
    root.delete(f"/api/v1/admin/tokens/{issued.json['id']}")
    problem_of(api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}), 401)
    problem_of(root.delete("/api/v1/admin/tokens/9999"), 404)
    problem_of(root.post("/api/v1/admin/tokens", json={"user": "nobody"}), 404)


@pytest.mark.parametrize("path", ADMIN_GETS)
def test_administration_is_for_administrators(api: Api, path: str) -> None:
    assert api.as_("root").get(path).status_code == 200
    problem_of(api.as_("clara").get(path), 403)
    problem_of(api.anonymous.get(path), 401)
    problem_of(api.as_("giulia").post("/api/v1/admin/tokens", json={"user": "giulia"}), 403)
