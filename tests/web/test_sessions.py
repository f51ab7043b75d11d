"""The UI's signed session cookie, whose serializer the app keeps between requests."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient


def signed(app: Flask, data: dict[str, str]) -> str:
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    return str(serializer.dumps(data))


def language(client: FlaskClient) -> str:
    """The page's language, from the session's `lang` when the cookie is accepted."""
    page = client.get("/login", headers={"Accept-Language": "it"})
    return page.get_data(as_text=True).split('<html lang="', 1)[1][:2]


def test_a_cookie_signed_with_the_key_is_accepted(app: Flask, client: FlaskClient) -> None:
    client.set_cookie("session", signed(app, {"lang": "en"}))
    assert language(client) == "en"


def test_a_new_key_refuses_old_cookies_and_its_fallbacks_accept_them(
    app: Flask, client: FlaskClient
) -> None:
    old = signed(app, {"lang": "en"})
    assert language(client) == "it"  # a request under the old key: its serializer is made
    app.secret_key = "a-new-secret"
    client.set_cookie("session", old)
    assert language(client) == "it"
    app.config["SECRET_KEY_FALLBACKS"] = ["test-secret"]
    client.set_cookie("session", old)  # the page above gave the client a new one
    assert language(client) == "en"
    assert signed(app, {"lang": "en"}) != old  # signed with the new key now
