"""Logging in and out, CSRF on every form, security headers, OIDC when configured."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from flask.testing import FlaskClient

from engine import SYSTEM, Engine
from engine.commands.administration import update_user
from web.app import create_app

from .conftest import UiClient, text


def test_login_opens_the_worklist_and_logout_closes_it(ui: UiClient) -> None:
    assert ui.get("/").location.startswith("/login?next=/")
    response = ui.login("giulia.rossi")
    assert response.status_code == 302 and response.location == "/"
    page = text(ui.get("/"))
    assert "Attività" in page and "Giulia Rossi" in page  # her name, not her username
    assert ui.post("/logout").status_code == 302
    assert ui.get("/").status_code == 302


def test_wrong_password_gets_a_clear_italian_error(ui: UiClient) -> None:
    response = ui.login("giulia.rossi", "sbagliata")
    assert response.status_code == 401
    assert "Nome utente o password non corretti." in text(response)


def test_failed_logins_are_rate_limited(ui: UiClient) -> None:
    for _ in range(10):
        assert ui.login("giulia.rossi", "sbagliata").status_code == 401
    response = ui.login("giulia.rossi")  # even the right password waits now
    assert response.status_code == 429
    assert "Troppi tentativi" in text(response)


def test_a_form_without_the_session_token_is_refused(ui: UiClient) -> None:
    ui.login("giulia.rossi")
    response = ui.client.post("/tasks/bulk", data={"action": "claim", "task": "1"})
    assert response.status_code == 400
    assert "Il modulo è scaduto o non proviene da questa applicazione" in text(response)
    forged = ui.client.post("/logout", data={"csrf_token": "forged"})
    assert forged.status_code == 400


def test_pages_carry_security_headers(ui: UiClient) -> None:
    response = ui.get("/login")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-eval" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "<script>" not in text(response)  # no inline script anywhere


def test_english_when_the_browser_asks_for_it(ui: UiClient) -> None:
    page = text(ui.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"}))
    assert "Log in to Percorsi" in page and 'lang="en"' in page
    page = text(ui.get("/login", headers={"Accept-Language": "it-IT"}))
    assert "Accesso a Percorsi" in page and 'lang="it"' in page


def test_the_user_choice_of_language_wins(ui: UiClient) -> None:
    ui.post("/lang/en", {"next": "/login"})
    assert "Log in to Percorsi" in text(ui.get("/login", headers={"Accept-Language": "it"}))


def test_oidc_button_is_hidden_unless_configured(ui: UiClient) -> None:
    assert 'id="oidc-login"' not in text(ui.get("/login"))
    assert ui.get("/login/oidc").status_code == 404


def test_configured_oidc_redirects_to_the_providers_authorize_url(network: Engine) -> None:
    from dataclasses import replace

    network.settings = replace(
        network.settings,
        oidc_authorize_url="https://id.example.org/authorize",
        oidc_token_url="https://id.example.org/token",
        oidc_client_id="percorsi-cremona",
        oidc_client_secret="s3cret",
        oidc_label="Entra con SPID",
    )
    app = create_app({"TESTING": True, "SECRET_KEY": "test"}, engine=network)
    client: FlaskClient = app.test_client()
    page = text(client.get("/login"))
    assert 'id="oidc-login"' in page and "Entra con SPID" in page
    response = client.get("/login/oidc")
    assert response.status_code == 302
    target = urlsplit(response.location)
    assert f"{target.scheme}://{target.netloc}{target.path}" == "https://id.example.org/authorize"
    query = parse_qs(target.query)
    assert query["client_id"] == ["percorsi-cremona"]
    assert query["response_type"] == ["code"]
    assert query["redirect_uri"] == ["http://localhost/login/oidc/callback"]
    assert query["scope"] == ["openid email profile"] and query["state"][0]


def test_a_user_disabled_by_the_administrator_is_logged_out_at_her_next_page(
    ui: UiClient, engine: Engine
) -> None:
    ui.login("giulia.rossi")
    assert ui.get("/").status_code == 200
    with engine.uow() as uow:
        update_user(uow, SYSTEM, "giulia.rossi", {"active": False})
    response = ui.get("/")
    assert response.status_code == 302 and response.location.startswith("/login")
    with engine.uow() as uow:
        update_user(uow, SYSTEM, "giulia.rossi", {"active": True})
    assert ui.get("/").status_code == 302  # that session stays ended: she logs in again
    ui.login("giulia.rossi")
    assert "Giulia Rossi" in text(ui.get("/"))
