"""Browser-test support for the coordinator pages: a live server and a test-only login.

The login is test-only: the test signs a session cookie with the app's own session serializer,
as the login page would after checking a password (the login page is tested elsewhere).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.browser.conftest import ARTIFACTS, AXE, CHROMIUM

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "web" / "static" / "vendor" / "bpmn-js" / "bpmn-modeler.production.min.js"


def require_browser() -> None:
    """Skip, saying why, when Chromium or the front-end assets are missing."""
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    if not VENDOR.exists() or not AXE.exists():
        pytest.skip("front-end assets missing: run `make assets` (npm ci) first")


def logged_in_page(
    browser: Any, app: Flask, base_url: str, username: str, lang: str | None = None
) -> Any:
    """A page whose session cookie names a server-side session of `username` (signed with the
    app's secret), as the login page would leave it; `lang`: the language chosen in the app."""
    from engine.commands.logins import open_login_session

    with app.extensions["percorsi"].uow() as uow:
        key = open_login_session(uow, username)
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    context = browser.new_context(
        base_url=base_url, locale="it-IT", viewport={"width": 1366, "height": 900}
    )
    context.add_cookies(
        [
            {
                "name": app.config["SESSION_COOKIE_NAME"],
                "value": serializer.dumps(
                    {"username": username, "sid": key, **({"lang": lang} if lang else {})}
                ),
                "url": base_url,
            }
        ]
    )
    context.add_init_script(path=str(AXE))  # CDP-injected: not subject to the page's CSP
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def serious_violations(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the current page."""
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> "
        + "; ".join(n["target"][0] for n in v["nodes"][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under tests/browser/artifacts/ for reviewers."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
