"""Building the data sets of `bench/scale.py`: the demo at 1x, multiplied with bulk SQL.

1x is `percorsi demo` with 200 cases, driven through the engine (about 190 running cases,
1,500 task rows, 360 open). The large set copies every case of it K times (K chosen for 50,000
running cases) with its tasks, candidates, parties, events, subject and incidents, and adds two
older completed copies of each completed task (earlier review and monitoring rounds), for
about 1,000,000 task rows. Each copy is spread:
- its people are clones of the demo users (`giulia.rossi.17`), with the same roles, so that one
  operator holds about 40 cases as in real life, while her organisation holds them all;
- odd copies swap the Comune and ASC (both run case management);
- its history moves 0-119 days into the past, its due dates -20..+20 days, so overdue tasks and
  tasks due this week are spread as in the demo;
- ladder steps and timers that the shift would make due move to later, as if the scheduler had
  run: a pass with nothing due finds nothing.
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from engine import SYSTEM, Settings
from engine.commands.deployment import deploy_model
from engine.store.schema import upgrade
from web.composition import build_engine, bundled_files
from workflows.demo import create_demo
from workflows.seed import seed_network

BASE_CASES = 200
TARGET_RUNNING = 50_000
HISTORY_COPIES = 2  # older completed copies of each completed task, per case copy
USERS = ("user", "membership")
CASE_TABLES = ("case", "case_subject", "case_party", "message_subscription", "incident")


def build_base(url: str, now: datetime) -> None:
    """The 1x data set: seed, the bundled models, the demo's 200 cases (as `make run` does)."""
    engine = build_engine(Settings.from_env({}, database_url=url), clock=lambda: now)
    upgrade(engine.db)
    with engine.uow() as uow:
        seed_network(uow)
    with engine.uow() as uow:
        deploy_model(uow, bundled_files(), SYSTEM)
    create_demo(engine, BASE_CASES)
    engine.dispose()


def copies_needed(conn: Connection) -> int:
    running = conn.execute(text("SELECT count(*) FROM \"case\" WHERE status = 'running'")).scalar()
    return max(1, math.ceil(TARGET_RUNNING / max(int(running or 1), 1)))


def stride(conn: Connection, table: str, column: str = "id") -> int:
    """A power of ten above every id of the table: copy k's ids are id + k * stride."""
    top = conn.execute(text(f'SELECT coalesce(max({column}), 0) FROM "{table}"')).scalar()
    return 10 ** (len(str(int(top or 0))) + 0)


class Sql:
    """The few expressions that differ between SQLite and PostgreSQL."""

    def __init__(self, dialect: str) -> None:
        self.pg = dialect == "postgresql"

    def days(self, column: str, days: str) -> str:
        if self.pg:
            return f"({column} + ({days}) * interval '1 day')"
        return f"(strftime('%Y-%m-%d %H:%M:%S', {column}, ({days}) || ' days') || '.000000')"

    def now(self, moment: datetime) -> str:
        if self.pg:
            return f"TIMESTAMPTZ '{moment.isoformat()}'"
        return f"'{moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=' ')}'"


def multiply(conn: Connection, now: datetime) -> dict[str, int]:
    """Copy the 1x cases K times with bulk SQL; returns the counts reached."""
    sql = Sql(conn.dialect.name)
    k_max = copies_needed(conn)
    conn.execute(text("CREATE TABLE bench_copy (k INTEGER PRIMARY KEY)"))
    conn.execute(
        text("INSERT INTO bench_copy (k) VALUES " + ",".join(f"({k})" for k in range(1, k_max)))
    )
    s = {
        t: stride(conn, t)
        for t in ("case", "human_task", "case_event", "user", "membership", "incident")
    }
    s["history"] = s["human_task"] * (HISTORY_COPIES + 1)
    orgs = dict(conn.execute(text("SELECT code, id FROM organization")).all())
    comune, asc = orgs["comune_cremona"], orgs["azienda_sociale_cremonese"]

    def org(column: str) -> str:
        return (
            f"CASE WHEN c.k % 2 = 1 AND {column} = {comune} THEN {asc}"
            f" WHEN c.k % 2 = 1 AND {column} = {asc} THEN {comune} ELSE {column} END"
        )

    def user(column: str) -> str:
        return f"CASE WHEN {column} IS NULL THEN NULL ELSE {column} + c.k * {s['user']} END"

    case_id = f"t.case_id + c.k * {s['case']}"
    back = "(-((c.k * 7919) % 120))"  # history: 0..119 days earlier
    due = "(((c.k * 31) % 41) - 20)"  # due dates: -20..+20 days
    later = "(1 + (c.k % 9))"  # a ladder step or timer that the shift made due: 1-9 days on
    now_sql = sql.now(now)

    def not_due(column: str) -> str:
        moved = sql.days(column, due)
        soon = sql.days(now_sql, later)
        return (
            f"CASE WHEN {column} IS NULL THEN NULL"
            f" WHEN {moved} < {now_sql} THEN {soon} ELSE {moved} END"
        )

    run = [
        f"""INSERT INTO "user" (id, username, full_name, email, password_hash, is_admin, active,
            locale, created_at)
        SELECT t.id + c.k * {s["user"]}, t.username || '.' || c.k, t.full_name, '', t.password_hash,
            {"false" if sql.pg else "0"}, t.active, t.locale, t.created_at
        FROM bench_copy c CROSS JOIN "user" t""",
        f"""INSERT INTO membership (id, user_id, organization_id, role)
        SELECT t.id + c.k * {s["membership"]}, t.user_id + c.k * {s["user"]},
            {org("t.organization_id")}, t.role
        FROM bench_copy c CROSS JOIN membership t""",
        f"""INSERT INTO "case" (id, reference, version_id, process_id, status, target_group, comune,
            organization_id, case_manager_id, restricted, subject_pseudonym, state_json,
            serializer_version, next_wakeup_at, lock_version, opened_by, opened_at, closed_at)
        SELECT t.id + c.k * {s["case"]}, t.reference || '-' || c.k, t.version_id, t.process_id,
            t.status, t.target_group, t.comune, {org("t.organization_id")},
            {user("t.case_manager_id")},
            t.restricted, t.subject_pseudonym || '-' || c.k, t.state_json, t.serializer_version,
            {not_due("t.next_wakeup_at")}, t.lock_version, {user("t.opened_by")},
            {sql.days("t.opened_at", back)}, {sql.days("t.closed_at", back)}
        FROM bench_copy c CROSS JOIN "case" t""",
        f"""INSERT INTO case_subject (case_id, identity)
        SELECT {case_id}, t.identity FROM bench_copy c CROSS JOIN case_subject t""",
        f"""INSERT INTO case_party (case_id, organization_id)
        SELECT DISTINCT {case_id}, {org("t.organization_id")}
        FROM bench_copy c CROSS JOIN case_party t""",
        f"""INSERT INTO message_subscription (case_id, name, correlation)
        SELECT {case_id}, t.name, t.correlation || '-' || c.k
        FROM bench_copy c CROSS JOIN message_subscription t""",
        f"""INSERT INTO incident (id, case_id, element_id, spiff_task_id, kind, error, attempts,
            opened_at, resolved_at, resolved_by)
        SELECT t.id + c.k * {s["incident"]}, {case_id}, t.element_id, t.spiff_task_id, t.kind,
            t.error, t.attempts, {sql.days("t.opened_at", back)}, {sql.days("t.resolved_at", back)},
            {user("t.resolved_by")}
        FROM bench_copy c CROSS JOIN incident t""",
        f"""INSERT INTO case_event (id, case_id, seq, at, actor_id, actor_name, kind, element_id,
            payload, prev_hash, hash)
        SELECT t.id + c.k * {s["case_event"]}, {case_id}, t.seq, {sql.days("t.at", back)},
            {user("t.actor_id")}, t.actor_name, t.kind, t.element_id, t.payload, t.prev_hash, t.hash
        FROM bench_copy c CROSS JOIN case_event t""",
    ]
    for statement in run:
        began = time.perf_counter()
        conn.execute(text(statement))
        print(
            f"  {statement.split('(')[0].strip()}: {time.perf_counter() - began:.1f} s", flush=True
        )
    _copy_tasks(conn, sql, s, org, user, case_id, back, due, not_due)
    conn.execute(text("DROP TABLE bench_copy"))
    return counts(conn)


def _copy_tasks(
    conn: Connection,
    sql: Sql,
    s: dict[str, int],
    org: Any,
    user: Any,
    case_id: str,
    back: str,
    due: str,
    not_due: Any,
) -> None:
    """Each case copy's tasks and candidates, plus older completed copies of completed tasks."""
    columns = (
        "case_id, kind, spiff_task_id, element_id, name, process_id, candidate_groups,"
        " organization_id, assignee_id, status, priority, due_at, escalation, escalation_level,"
        " next_escalation_at, form_key, draft, data, created_at, completed_at, completed_by"
    )
    conn.execute(text("CREATE TABLE bench_history (j INTEGER PRIMARY KEY)"))
    conn.execute(
        text(
            "INSERT INTO bench_history (j) VALUES "
            + ",".join(f"({j})" for j in range(HISTORY_COPIES + 1))
        )
    )
    task_id = f"t.id + c.k * {s['history']} + h.j * {s['human_task']}"
    # history copies lie a further 30 days back per round; only j = 0 keeps open tasks
    hist_back = f"({back} - h.j * 30)"
    conn.execute(
        text(f"""INSERT INTO human_task (id, {columns})
        SELECT {task_id}, {case_id}, t.kind, t.spiff_task_id, t.element_id, t.name, t.process_id,
            t.candidate_groups, {org("t.organization_id")}, {user("t.assignee_id")}, t.status,
            t.priority,
            CASE WHEN t.status = 'open' THEN {sql.days("t.due_at", due)}
                 ELSE {sql.days("t.due_at", hist_back)} END,
            t.escalation, t.escalation_level,
            CASE WHEN t.status = 'open' THEN {not_due("t.next_escalation_at")} ELSE NULL END,
            t.form_key, t.draft, t.data, {sql.days("t.created_at", hist_back)},
            {sql.days("t.completed_at", hist_back)}, {user("t.completed_by")}
        FROM bench_copy c CROSS JOIN bench_history h CROSS JOIN human_task t
        WHERE (h.j = 0 OR t.status = 'completed') AND t.id < {s["human_task"]}""")
    )
    conn.execute(
        text(f"""INSERT INTO human_task (id, {columns})
        SELECT t.id + h.j * {s["human_task"]}, t.case_id, t.kind, t.spiff_task_id, t.element_id,
            t.name, t.process_id, t.candidate_groups, t.organization_id, t.assignee_id, t.status,
            t.priority, {sql.days("t.due_at", "-h.j * 30")}, t.escalation, t.escalation_level, NULL,
            t.form_key, t.draft, t.data, {sql.days("t.created_at", "-h.j * 30")},
            {sql.days("t.completed_at", "-h.j * 30")}, t.completed_by
        FROM human_task t CROSS JOIN bench_history h
        WHERE h.j > 0 AND t.status = 'completed' AND t.id < {s["human_task"]}""")
    )
    conn.execute(
        text(f"""INSERT INTO task_candidate (task_id, role)
        SELECT {task_id.replace("t.id", "t.task_id")}, t.role
        FROM bench_copy c CROSS JOIN bench_history h
        CROSS JOIN task_candidate t JOIN human_task o ON o.id = t.task_id
        WHERE (h.j = 0 OR o.status = 'completed') AND o.id < {s["human_task"]}""")
    )
    conn.execute(
        text(f"""INSERT INTO task_candidate (task_id, role)
        SELECT t.task_id + h.j * {s["human_task"]}, t.role
        FROM task_candidate t JOIN human_task o ON o.id = t.task_id CROSS JOIN bench_history h
        WHERE h.j > 0 AND o.status = 'completed' AND o.id < {s["human_task"]}""")
    )
    conn.execute(text("DROP TABLE bench_history"))


def counts(conn: Connection) -> dict[str, int]:
    """What the data set holds."""
    queries = {
        "cases": 'SELECT count(*) FROM "case"',
        "running cases": "SELECT count(*) FROM \"case\" WHERE status = 'running'",
        "task rows": "SELECT count(*) FROM human_task",
        "open tasks": "SELECT count(*) FROM human_task WHERE status = 'open'",
        "candidate rows": "SELECT count(*) FROM task_candidate",
        "events": "SELECT count(*) FROM case_event",
        "users": 'SELECT count(*) FROM "user"',
    }
    return {name: int(conn.execute(text(q)).scalar() or 0) for name, q in queries.items()}


def reset_sequences(conn: Connection) -> None:
    """PostgreSQL: move each id sequence past the copied ids."""
    if conn.dialect.name != "postgresql":
        return
    rows = conn.execute(
        text(
            "SELECT table_name, column_name,"
            " pg_get_serial_sequence(quote_ident(table_name), column_name)"
            " FROM information_schema.columns WHERE table_schema = current_schema()"
            " AND column_default LIKE 'nextval%'"
        )
    ).all()
    for table, column, sequence in rows:
        if sequence:
            conn.execute(
                text(
                    f"SELECT setval('{sequence}',"
                    f' (SELECT coalesce(max({column}), 1) FROM "{table}"))'
                )
            )
