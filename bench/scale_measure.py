"""Timing the requests of `bench/scale.py` in one process, and saving their query plans."""

from __future__ import annotations

import resource
import statistics
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import event, text
from sqlalchemy.engine import Engine as SqlEngine
from werkzeug.test import TestResponse

from engine import SYSTEM, Engine, Settings
from engine.commands.accounts import create_token
from engine.commands.logins import open_login_session
from engine.reporting.indicator_queries import DashboardQuery
from engine.reporting.snapshots import KINDS
from engine.scheduling.duties import tick
from web.app import create_app
from web.composition import build_engine
from workflows.indicators import INDICATORS

OPERATOR = "giulia.rossi"  # case manager and Equipe member at the Comune
COORDINATOR = "roberto.villa"
REFRESH = "snapshots computed (refresh)"


def max_rss_mb() -> float:
    """This process's peak resident memory so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def p50_p95(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


class Recorder:
    """The SQL statements a request runs (with their parameters), for EXPLAIN."""

    def __init__(self, db: SqlEngine) -> None:
        self.statements: list[tuple[str, Any]] = []
        self.on = False
        event.listen(db, "before_cursor_execute", self._seen)

    def _seen(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if self.on and statement.lstrip().upper().startswith(("SELECT", "WITH")):
            self.statements.append((statement, parameters))


def explain(db: SqlEngine, statements: list[tuple[str, Any]]) -> str:
    """The plans of the statements, as the database shows them."""
    prefix = "EXPLAIN QUERY PLAN " if db.dialect.name == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
    out = []
    with db.connect() as conn:
        for statement, parameters in statements:
            cursor = conn.connection.cursor()
            try:
                cursor.execute(prefix + statement, parameters)
                rows = cursor.fetchall()
            finally:
                cursor.close()
            lines = [" | ".join(str(c) for c in row) for row in rows]
            out.append(statement.strip() + "\n" + repr(parameters) + "\n--\n" + "\n".join(lines))
        conn.rollback()
    return "\n\n========\n\n".join(out)


def measure_all(
    url: str, now: datetime, reps: int, plans: Path
) -> tuple[dict[str, tuple[float, float, int | None]], float]:
    """p50/p95 in ms of each request at `now`, on the data set at `url`, with the rows its
    answer lists, and the process's peak RSS in MB before the snapshot refresh (the requests'
    own; the refresh comes last)."""
    engine = build_engine(
        Settings.from_env({}, database_url=url, secret_key="bench"), clock=lambda: now
    )
    app = create_app(engine=engine)
    recorder = Recorder(engine.db)
    api = with_token(app.test_client(), engine, OPERATOR, "bench-scale")
    ui = logged_in(app.test_client(), engine, OPERATOR)
    coordinator = logged_in(app.test_client(), engine, COORDINATOR)
    reference = api.get("/api/v1/tasks?assignee=me&limit=1").get_json()["items"][0]["case"]
    requests: list[tuple[str, Callable[[], Any]]] = [
        *[
            (name, _get(client, path))
            for name, client, path in pages(api, ui, coordinator, reference)
        ],
        ("scheduler pass, nothing due", lambda: tick(engine, now)),
        (REFRESH, lambda: _refresh_snapshots(engine)),
    ]
    figures = {}
    rss_requests = 0.0
    plans.mkdir(parents=True, exist_ok=True)
    for name, call in requests:
        if name == REFRESH:
            rss_requests = max_rss_mb()
        rows = rows_listed(call()) if reps else None  # warm: caches, compiled statements
        recorder.statements.clear()
        recorder.on = True
        began = time.perf_counter()
        call()
        timings = [time.perf_counter() - began] if not reps else []
        recorder.on = False
        (plans / (name.replace(" ", "_").replace("/", "-") + ".txt")).write_text(
            explain(engine.db, recorder.statements)
        )
        for _ in range(reps):
            began = time.perf_counter()
            call()
            timings.append(time.perf_counter() - began)
        figures[name] = (*p50_p95(timings), rows)
    engine.dispose()
    return figures, rss_requests


def pages(
    api: FlaskClient, ui: FlaskClient, coordinator: FlaskClient, ref: str
) -> list[tuple[str, FlaskClient, str]]:
    """(name, client, path) of every request measured."""
    api_cursor = page_cursor(api, "/api/v1/tasks?limit=25", 50)
    ui_cursor = page_cursor(api, "/api/v1/tasks?limit=25&sort=priority", 50)
    cases_cursor = page_cursor(api, "/api/v1/cases?status=running&limit=25", 50)
    return [
        ("ui worklist /", ui, "/"),
        ("ui worklist all by priority", ui, "/?view=all&sort=priority"),
        ("ui worklist groups (unclaimed)", ui, "/?view=groups"),
        ("ui worklist organisation", ui, "/?view=organization"),
        ("ui worklist all, overdue", ui, "/?view=all&overdue=1"),
        ("ui worklist all, week+target", ui, "/?view=all&week=1&target_group=violenza"),
        ("ui worklist all, process", ui, "/?view=all&process=percorso_inclusione"),
        ("ui worklist all prio page 50", ui, f"/?view=all&sort=priority&cursor={ui_cursor}"),
        ("api tasks", api, "/api/v1/tasks"),
        ("api tasks by priority", api, "/api/v1/tasks?sort=priority"),
        ("api tasks unclaimed", api, "/api/v1/tasks?state=unclaimed"),
        ("api tasks overdue", api, "/api/v1/tasks?overdue=true"),
        ("api tasks page 50", api, f"/api/v1/tasks?limit=25&cursor={api_cursor}"),
        ("api tasks assigned to me", api, "/api/v1/tasks?assignee=me"),
        ("api cases running", api, "/api/v1/cases?status=running"),
        (
            "api cases running page 50",
            api,
            f"/api/v1/cases?status=running&limit=25&cursor={cases_cursor}",
        ),
        ("ui cases (mine)", ui, "/cases"),
        ("ui cases all", ui, "/cases?view=all"),
        ("api one case", api, f"/api/v1/cases/{ref}"),
        ("api case events", api, f"/api/v1/cases/{ref}/events"),
        ("ui case page", ui, f"/cases/{ref}"),
        ("ui dashboard", coordinator, "/dashboard"),
    ]


def _refresh_snapshots(engine: Engine) -> Any:
    """What the scheduler's snapshot refresh (or a reader of a stale snapshot) computes: every
    kind of snapshot, over every case."""
    with engine.uow(write=False) as uow:
        return [
            compute(uow, SYSTEM, DashboardQuery(), INDICATORS) for compute, _e, _d in KINDS.values()
        ]


def prime_snapshots(url: str, now: datetime) -> None:
    """Keep the coordinator's dashboard snapshots computed at `now`, as the scheduler would have:
    the measured requests then read them, and the worker's RSS before the refresh is theirs."""
    engine = build_engine(
        Settings.from_env({}, database_url=url, secret_key="bench"), clock=lambda: now
    )
    _get(logged_in(create_app(engine=engine).test_client(), engine, COORDINATOR), "/dashboard")()
    engine.dispose()


def rows_listed(response: Any) -> int | None:
    """How many tasks or cases a list answered (JSON items, UI table rows); None for others.
    A ratio of a list that holds 1 row at 1x and 50 at the large size measures the rows."""
    if not isinstance(response, TestResponse):
        return None
    if response.is_json:
        body = response.get_json()
        return len(body["items"]) if isinstance(body, dict) and "items" in body else None
    page = response.get_data(as_text=True)
    if 'id="tab-mine"' in page:  # the worklist
        return page.count(' data-task-id="')
    if page.count('id="case-list"') or 'action="/cases"' in page:  # "I miei casi"
        return page.count(' data-case="')
    return None


def page_cursor(api: FlaskClient, path: str, page: int) -> str:
    """The cursor of page `page` (1-based), following next cursors from the first."""
    cursor = ""
    for _ in range(page - 1):
        body = api.get(path + (f"&cursor={cursor}" if cursor else "")).get_json()
        if not body.get("next_cursor"):
            break
        cursor = body["next_cursor"]
    return cursor


def with_token(client: FlaskClient, engine: Engine, username: str, name: str) -> FlaskClient:
    """A client sending a new bearer token of `username` with every request."""
    with engine.uow() as uow:
        token = create_token(uow, username, name).token
        uow.commit()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def logged_in(client: FlaskClient, engine: Engine, username: str) -> FlaskClient:
    """A client with a session as the login page opens it (a server-side row, a signed cookie)."""
    with engine.uow() as uow:
        key = open_login_session(uow, username)
    with client.session_transaction() as session:
        session["username"] = username
        session["sid"] = key
    return client


def _get(client: FlaskClient, path: str) -> Callable[[], Any]:
    def call() -> Any:
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"GET {path}: {response.status_code} {response.data[:300]!r}")
        return response

    return call


def table_sizes(db: SqlEngine) -> dict[str, int]:
    with db.connect() as conn:
        return {
            t: int(conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar() or 0)
            for t in ("case", "human_task")
        }
