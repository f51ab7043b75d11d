"""Browser tests: live servers on 127.0.0.1 driven by Debian's Chromium.

Two servers, one per session each: `demo_live` over a database set up as `make run` does
(the network seeded, the bundled models deployed, `percorsi demo` with 25 cases, fixed seed and
a fixed "now"), and `live` over the small data of tests/seed.py.

Fixtures other browser tests reuse: `browser` (one Chromium per session), `demo_page` and `page`
(a fresh Italian context per test on either server, failing on console errors such as
Content-Security-Policy refusals), `demo_login(page, username)` and `login(page, username)`,
`pathways` (demo cases brought to a step), `snap(page, name)` for screenshots in
tests/browser/artifacts/ and `axe_violations(page)`.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from engine import Engine, Settings
from engine.store.db import connect
from engine.store.schema import upgrade
from tests.browser.demo_site import scratch_database, set_up_like_make_run
from tests.browser.pathways import Pathways
from tests.seed import PASSWORD, Seeded, seed_network
from tests.support import PG_URL, FakeClock
from web.app import create_app
from web.composition import build_engine
from workflows.demo_people import DEMO_PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class Live:
    """The running server and what was seeded into it."""

    url: str
    engine: Engine
    clock: FakeClock
    seeded: Seeded


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_database(template_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The seeded live server's own database (a copy of the migrated template on SQLite)."""
    folder = tmp_path_factory.mktemp("browser")
    if PG_URL:
        with scratch_database(folder, "browser_seed") as url:
            db = connect(url)
            upgrade(db)
            db.dispose()
            yield url
        return
    path = folder / "percorsi.db"
    shutil.copy(template_db, path)
    yield f"sqlite:///{path}"


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """The app served by werkzeug in a thread; yields its base URL."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            """Requests are not logged: a failing test's output stays readable."""

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


@pytest.fixture(scope="session")
def live(browser_database: str) -> Iterator[Live]:
    """The app over a database seeded through the engine (tests/seed.py)."""
    if not CHROMIUM.exists():
        pytest.skip("browser tests need /usr/bin/chromium (apt-get install chromium)")
    clock = FakeClock(datetime.now(UTC).replace(microsecond=0))
    engine = build_engine(Settings.from_env({}, database_url=browser_database), clock=clock)
    seeded = seed_network(engine, clock)
    app = create_app({"SECRET_KEY": "browser-tests"}, engine=engine)
    with serving(app) as url:
        yield Live(url, engine, clock, seeded)
    engine.dispose()


@dataclass
class DemoLive:
    """The running server over the demo database."""

    url: str
    engine: Engine


@pytest.fixture(scope="session")
def demo_live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoLive]:
    """The app over a database set up as `make run` does (bundled models, demo data)."""
    if not CHROMIUM.exists():
        pytest.skip("browser tests need /usr/bin/chromium (apt-get install chromium)")
    with scratch_database(tmp_path_factory.mktemp("demo")) as url:
        engine = set_up_like_make_run(url)
        app = create_app({"SECRET_KEY": "browser-demo"}, engine=engine)
        with serving(app) as base:
            yield DemoLive(base, engine)
        engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One Chromium for the whole session (Playwright's sync API allows one per thread)."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.skip("browser tests need /usr/bin/chromium (apt-get install chromium)")

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@contextmanager
def italian_page(
    browser: Any, url: str, javascript: bool = True, phone: bool = False
) -> Iterator[Any]:
    """A new browser context in Italian; console errors (e.g. CSP refusals) fail the test.

    `phone`: a 390 x 844 touch screen; `javascript=False`: pages must work by posting alone."""
    size = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
    context = browser.new_context(
        base_url=url,
        locale="it-IT",
        viewport=size,
        java_script_enabled=javascript,
        is_mobile=phone,
        has_touch=phone,
    )
    context.add_init_script(path=str(AXE))  # init scripts are not subject to the page's CSP
    new_page = context.new_page()
    errors: list[str] = []
    new_page.on("console", lambda m: _console(errors, m))
    new_page.on("pageerror", lambda e: errors.append(str(e)))
    new_page.on("response", lambda r: _resource(errors, r))
    yield new_page
    context.close()
    assert not errors, f"errors in the browser console: {errors}"


@pytest.fixture
def page(browser: Any, live: Live) -> Iterator[Any]:
    with italian_page(browser, live.url) as new_page:
        yield new_page


@pytest.fixture
def pathways(demo_live: DemoLive) -> Pathways:
    """Cases on the demo server brought to a step through the engine (tests/browser/pathways.py)."""
    return Pathways(demo_live.engine)


@pytest.fixture
def demo_page(browser: Any, demo_live: DemoLive) -> Iterator[Any]:
    with italian_page(browser, demo_live.url) as new_page:
        yield new_page


def _console(errors: list[str], message: Any) -> None:
    # Refused forms answer 409/422 on purpose; failed sub-resources are caught by _resource.
    if message.type == "error" and not message.text.startswith("Failed to load resource"):
        errors.append(message.text)


def _resource(errors: list[str], response: Any) -> None:
    if response.status >= 400 and response.request.resource_type != "document":
        errors.append(f"{response.status} {response.url}")


def log_in(page: Any, username: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Nome utente").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Accedi", exact=True).click()
    page.wait_for_load_state()


@pytest.fixture
def login() -> Callable[[Any, str], None]:
    return lambda page, username: log_in(page, username, PASSWORD)


@pytest.fixture
def demo_login() -> Callable[[Any, str], None]:
    """Log in as a demo user (README's users, password `percorsi-demo`)."""
    return lambda page, username: log_in(page, username, DEMO_PASSWORD)


@pytest.fixture
def snap() -> Callable[[Any, str], Path]:
    ARTIFACTS.mkdir(exist_ok=True)

    def _snap(page: Any, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _snap


@pytest.fixture
def axe_violations() -> Callable[[Any], list[dict[str, Any]]]:
    """Serious and critical axe-core violations of the page as it is now."""

    def _run(page: Any) -> list[dict[str, Any]]:
        page.wait_for_load_state("load")  # styles applied: contrast is judged on the real page
        result = page.evaluate("async () => await axe.run(document)")
        return [
            {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]

    return _run
