"""Naming the case manager, transferring a case, recording consents: through the API
(problem+json), the case page (CSRF, errors beside the field, Italian and English) and the
command line (errors on stderr, exit code 2)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from engine import Engine
from engine.commands.accounts import create_token
from tests.support import open_ui_session
from tests.workflows.conftest import ASC, COMUNE, Walk
from web.app import create_app
from web.cli import main
from web.cli.common import Context

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def client(walk: Walk) -> FlaskClient:
    app = create_app({"TESTING": True, "SECRET_KEY": "test"}, engine=walk.engine)
    return app.test_client()


def bearer(walk: Walk, username: str) -> dict[str, str]:
    with walk.engine.uow() as uow:
        token = create_token(uow, username, "tests").token
        uow.commit()
    return {"Authorization": f"Bearer {token}"}


def as_user(client: FlaskClient, username: str, engine: Engine) -> str:
    """Log the browser in (the login page is not under test here); the page's CSRF token."""
    open_ui_session(client, engine, username)
    page = client.get("/notifications").get_data(as_text=True)
    found = TOKEN.search(page)
    assert found is not None
    return found.group(1)


def taken(walk: Walk, refer: Callable[..., str]) -> str:
    ref = refer("adulti")
    walk.do(ref, "presa_atto", {"resident": True, "adi": False})  # giulia.rossi takes it
    return ref


def test_the_api_transfers_names_and_records_consents(
    walk: Walk, refer: Callable[..., str], client: FlaskClient
) -> None:
    ref = taken(walk, refer)
    giulia, marco = bearer(walk, "giulia.rossi"), bearer(walk, "marco.bianchi")
    detail = client.get(f"/api/v1/cases/{ref}", headers=giulia).json
    assert (detail["owner"], detail["case_manager"]["username"]) == (COMUNE, "giulia.rossi")
    assert detail["may_manage"] is True
    refused = client.post(
        f"/api/v1/cases/{ref}/transfer",
        headers=giulia,
        json={"organization": "cgil", "reason": "x"},
    )
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    assert refused.json["errors"][0]["field"] == "organization"
    missing = client.post(f"/api/v1/cases/{ref}/transfer", headers=giulia, json={"reason": "x"})
    assert missing.status_code == 422 and missing.json["errors"][0]["field"] == "organization"
    foreign = client.post(f"/api/v1/cases/{ref}/case-manager", headers=marco, json={"user": "x"})
    assert foreign.status_code == 404  # not a case the CPI takes part in
    body = {"organization": ASC, "reason": "trasferita", "case_manager": "luca.ferrari"}
    moved = client.post(f"/api/v1/cases/{ref}/transfer", headers=giulia, json=body)
    assert moved.status_code == 200, moved.json
    assert (moved.json["owner"], moved.json["case_manager"]["username"]) == (ASC, "luca.ferrari")
    assert client.get(f"/api/v1/cases/{ref}", headers=giulia).status_code == 404
    luca = bearer(walk, "luca.ferrari")
    withdrawn = client.post(f"/api/v1/cases/{ref}/consents/private_partners/withdraw", headers=luca)
    assert withdrawn.status_code == 200
    [row] = withdrawn.json["consents"]
    assert row["scope"] == "private_partners" and row["withdrawn_at"]
    again = client.post(
        f"/api/v1/cases/{ref}/consents", headers=luca, json={"scope": "private_partners"}
    )
    assert [c["withdrawn_at"] is None for c in again.json["consents"]] == [False, True]
    bad = client.post(f"/api/v1/cases/{ref}/consents", headers=luca, json={"scope": "everything"})
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "scope"


def test_the_case_page_shows_who_leads_and_transfers(
    walk: Walk, refer: Callable[..., str], client: FlaskClient
) -> None:
    ref = taken(walk, refer)
    token = as_user(client, "giulia.rossi", walk.engine)
    page = client.get(f"/cases/{ref}").get_data(as_text=True)
    assert 'id="case-owner">Comune di Cremona<' in page
    assert 'id="case-manager">Giulia Rossi<' in page
    assert "Condivisione con i partner privati" in page  # the consent, in words
    no_token = client.post(f"/cases/{ref}/transfer", data={"organization": ASC, "reason": "x"})
    assert no_token.status_code == 400
    form = {"csrf_token": token, "organization": ASC, "reason": "  ", "comune": "Sospiro"}
    refused = client.post(f"/cases/{ref}/transfer", data=form)
    assert refused.status_code == 422
    shown = refused.get_data(as_text=True)
    assert 'id="err-transfer-reason"' in shown and "Indicare il motivo del trasferimento." in shown
    assert '<option value="Sospiro" selected>' in shown  # what was typed stays
    form["reason"] = "si è trasferita a Sospiro"
    done = client.post(f"/cases/{ref}/transfer", data=form)
    assert done.status_code == 302 and done.headers["Location"] == "/cases"  # no longer hers
    assert "Caso trasferito" in client.get("/cases").get_data(as_text=True)
    assert client.get(f"/cases/{ref}").status_code == 404  # the Comune no longer takes part
    assert walk.case_row(ref).owner_organization_id == walk.org_id(ASC)
    assert walk.case_row(ref).comune == "Sospiro"
    token = as_user(client, "luca.ferrari", walk.engine)
    english = client.get(f"/cases/{ref}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Who follows the case" in english and "Sharing with private partners" in english
    withdraw = client.post(
        f"/cases/{ref}/consents/private_partners/withdraw",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    assert "la condivisione che ne dipendeva è cessata" in withdraw.get_data(as_text=True)


def test_the_command_line(
    walk: Walk, refer: Callable[..., str], database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PERCORSI_DATABASE_URL", database_url)
    ref = taken(walk, refer)

    def run(*args: str) -> tuple[int, str, str]:
        context = Context()
        try:
            result = CliRunner().invoke(main, list(args), obj=context)
        finally:
            context.close()
        return result.exit_code, result.stdout, result.stderr

    code, _out, err = run("start", "percorso_inclusione", "--data", '{"target_group": "adulti"}')
    assert code == 2 and "comune" in err and "date_of_birth" in err  # the start form's check
    code, _out, err = run("transfer", ref, "cgil", "--reason", "x", "--as", "giulia.rossi")
    assert code == 2 and "cannot own cases" in err
    code, out, _err = run(
        "transfer",
        ref,
        ASC,
        "--reason",
        "trasloco",
        "--case-manager",
        "luca.ferrari",
        "--as",
        "giulia.rossi",
    )
    assert code == 0 and f"{ref}: owner {ASC}, case manager luca.ferrari" in out
    code, out, _err = run("consent", ref, "private_partners", "--withdraw", "--as", "luca.ferrari")
    assert code == 0 and "consents in force: none" in out
    code, _out, err = run("case-manager", ref, "giulia.rossi", "--as", "luca.ferrari")
    assert code == 2 and "may not be this case's case manager" in err
