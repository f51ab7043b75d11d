"""`percorsi user create` and `percorsi token create|list|revoke`, run in-process."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from click.testing import CliRunner, Result
from flask.testing import FlaskClient

from engine import Engine
from engine.commands.accounts import create_user, ensure_organization
from web.cli import main
from web.cli.common import Context

Run = Callable[..., Result]


@pytest.fixture
def percorsi(database_url: str, monkeypatch: pytest.MonkeyPatch, engine: Engine) -> Run:
    """Run a `percorsi` command on the test database, disposing the engine it built."""
    monkeypatch.setenv("PERCORSI_DATABASE_URL", database_url)
    with engine.uow() as uow:
        for code in ("comune_cremona", "azienda_sociale_cremonese"):
            ensure_organization(uow, code, code)
        create_user(uow, "admin2", is_admin=True)
        create_user(uow, "plain", memberships=[("comune_cremona", "case_manager")])
        uow.commit()

    def run(*args: str, stdin: str | None = None) -> Result:
        context = Context()
        try:
            return CliRunner().invoke(main, list(args), obj=context, input=stdin)
        finally:
            if context._engine is not None:
                context._engine.dispose()

    return run


def test_user_create_with_roles_in_organisations(percorsi: Run, client: FlaskClient) -> None:
    result = percorsi(
        "user", "create", "giulia.rossi",
        "--org", "comune_cremona", "--role", "case_manager",
        "--org", "azienda_sociale_cremonese", "--role", "equipe_member",
        "--password-stdin", "--email", "g@example.it", "--full-name", "Giulia Rossi", "--json",
        stdin="a-long-password\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    user = json.loads(result.output)
    assert user["memberships"] == [
        {"organization": "azienda_sociale_cremonese", "role": "equipe_member"},
        {"organization": "comune_cremona", "role": "case_manager"},
    ]
    again = percorsi("user", "create", "giulia.rossi")
    assert again.exit_code == 2 and "already exists" in again.output
    wrong = percorsi("user", "create", "x", "--org", "comune_cremona", "--role", "boss")
    assert wrong.exit_code == 2 and "unknown role 'boss'" in wrong.output
    unpaired = percorsi("user", "create", "y", "--org", "comune_cremona")
    assert unpaired.exit_code == 2 and "one --role for each --org" in unpaired.output
    short = percorsi("user", "create", "z", "--password-stdin", stdin="short\n")
    assert short.exit_code == 2 and "at least 8" in short.output


def test_token_create_list_revoke(percorsi: Run, client: FlaskClient) -> None:
    created = percorsi("token", "create", "plain", "--name", "cpi-sync")
    assert created.exit_code == 0, created.output
    token = created.output.strip()
    assert token.startswith("pct_")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).json["username"] == "plain"
    listed = json.loads(percorsi("token", "list", "--json").output)
    assert [(t["user"], t["name"], t["revoked_at"]) for t in listed] == [
        ("plain", "cpi-sync", None)
    ]
    assert token not in percorsi("token", "list").output
    revoked = percorsi("token", "revoke", str(listed[0]["id"]))
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert percorsi("token", "revoke", "999").exit_code == 2


def test_the_cli_acts_as_the_named_user_when_asked(percorsi: Run) -> None:
    refused = percorsi("token", "create", "plain", "--as", "plain")
    assert refused.exit_code == 2 and "not an administrator" in refused.output
    assert percorsi("token", "create", "plain", "--as", "admin2").exit_code == 0
