"""The worklist's index: one `worklist_entry` row per open task and per grant that shows it.

Who sees an open task (engine/rules/access.py) is: its assignee; the holders of one of its
candidate roles in its organisation; for a task without an organisation, the holders of one of
its roles in any organisation taking part in the case; and administrators. Asked as an OR of
EXISTS per membership, no index can serve that, so every page read and sorted the whole scope.

Here each grant is a row, keyed by `(role, scope_id)`:
- `(role, organization id)` for each candidate role in the task's organisation (or in each
  party organisation of the case when the task has none);
- `('@', user id)` for its assignee;
- `('*', 0)` for everyone who sees every task.
A worklist page is then one index range scan per grant the actor holds, in the page's order
(`due_key` = due date, or far in the future; `priority_rank` = -priority), merged and cut.

Database triggers keep the rows in step with `human_task`, `task_candidate`, `case_party` and
`case`, so every command (and every branch of the code that changes those tables) keeps the
index right without knowing of it. Only open tasks have entries.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.engine import Connection

ALL = "*"  # the grant of administrators
ASSIGNEE = "@"  # the grant of a task's assignee, scope_id = the user's id
FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)  # the sort key of a task with no due date
_FAR = {
    "sqlite": "'9999-01-01 00:00:00.000000'",
    "postgresql": "TIMESTAMPTZ '9999-01-01 00:00:00+00'",
}
COLUMNS = (
    "task_id, role, scope_id, due_key, priority_rank, assignee_id, organization_id,"
    " process_id, target_group"
)


def _grants(dialect: str, task: str, extra: str = "") -> list[str]:
    """SELECTs of the entries of the open tasks matching `task` (a condition on t, tc, p)."""
    far = _FAR[dialect]
    values = (
        f"t.id, {{role}}, {{scope}}, coalesce(t.due_at, {far}), -t.priority, t.assignee_id,"
        " t.organization_id, c.process_id, c.target_group"
    )
    base = 'FROM human_task t JOIN "case" c ON c.id = t.case_id'
    where = f"t.status = 'open' AND ({task})"
    return [
        f"SELECT {values.format(role=repr(ALL), scope='0')} {base} WHERE {where}",
        f"SELECT {values.format(role=repr(ASSIGNEE), scope='t.assignee_id')} {base}"
        f" WHERE {where} AND t.assignee_id IS NOT NULL",
        f"SELECT {values.format(role='tc.role', scope='t.organization_id')} {base}"
        f" JOIN task_candidate tc ON tc.task_id = t.id"
        f" WHERE {where} AND t.organization_id IS NOT NULL {extra}",
        f"SELECT {values.format(role='tc.role', scope='p.organization_id')} {base}"
        f" JOIN task_candidate tc ON tc.task_id = t.id"
        f" JOIN case_party p ON p.case_id = t.case_id"
        f" WHERE {where} AND t.organization_id IS NULL {extra}",
    ]


def _inserts(dialect: str, selects: list[str]) -> list[str]:
    if dialect == "sqlite":
        return [f"INSERT OR IGNORE INTO worklist_entry ({COLUMNS}) {s}" for s in selects]
    return [f"INSERT INTO worklist_entry ({COLUMNS}) {s} ON CONFLICT DO NOTHING" for s in selects]


TASK_COLUMNS = "status, assignee_id, due_at, priority, organization_id, case_id"


def _bodies(dialect: str) -> dict[str, list[str]]:
    """What each trigger does, as statements over NEW/OLD."""
    task = _inserts(dialect, _grants(dialect, "t.id = NEW.id"))
    by_role = _grants(dialect, "t.id = NEW.task_id", "AND tc.role = NEW.role")[2:]
    party = _grants(
        dialect, "t.case_id = NEW.case_id", "AND p.organization_id = NEW.organization_id"
    )[3:]
    return {
        "task_insert": task,
        "task_update": ["DELETE FROM worklist_entry WHERE task_id = OLD.id", *task],
        "candidate_insert": _inserts(dialect, by_role),
        "candidate_delete": [
            "DELETE FROM worklist_entry WHERE task_id = OLD.task_id AND role = OLD.role"
        ],
        "party_insert": _inserts(dialect, party),
        "party_delete": [
            "DELETE FROM worklist_entry WHERE scope_id = OLD.organization_id"
            f" AND role NOT IN ('{ALL}', '{ASSIGNEE}') AND organization_id IS NULL"
            " AND task_id IN (SELECT id FROM human_task WHERE case_id = OLD.case_id)"
        ],
        "case_update": [
            "UPDATE worklist_entry SET process_id = NEW.process_id,"
            " target_group = NEW.target_group WHERE task_id IN"
            " (SELECT id FROM human_task WHERE case_id = NEW.id AND status = 'open')"
        ],
    }


# trigger name -> (event, table, condition)
_EVENTS = {
    "task_insert": ("INSERT", "human_task", "NEW.status = 'open'"),
    "task_update": (
        f"UPDATE OF {TASK_COLUMNS}",
        "human_task",
        "OLD.status = 'open' OR NEW.status = 'open'",
    ),
    "candidate_insert": ("INSERT", "task_candidate", None),
    "candidate_delete": ("DELETE", "task_candidate", None),
    "party_insert": ("INSERT", "case_party", None),
    "party_delete": ("DELETE", "case_party", None),
    "case_update": ("UPDATE OF process_id, target_group", '"case"', None),
}


def trigger_ddl(dialect: str) -> list[str]:
    """CREATE statements of the triggers (and, on PostgreSQL, their functions)."""
    out = []
    for name, body in _bodies(dialect).items():
        event, table, condition = _EVENTS[name]
        trigger = f"worklist_{name}"
        if dialect == "sqlite":
            when = f" WHEN {condition}" if condition else ""
            statements = "".join(f"{s};\n" for s in body)
            out.append(
                f"CREATE TRIGGER {trigger} AFTER {event} ON {table} FOR EACH ROW{when}\n"
                f"BEGIN\n{statements}END"
            )
            continue
        statements = "".join(f"  {s};\n" for s in body)
        out.append(
            f"CREATE FUNCTION {trigger}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n{statements}  RETURN NULL;\nEND $$"
        )
        when = f" WHEN ({condition})" if condition else ""
        out.append(
            f"CREATE TRIGGER {trigger} AFTER {event} ON {table} FOR EACH ROW{when}"
            f" EXECUTE FUNCTION {trigger}()"
        )
    return out


def drop_ddl(dialect: str) -> list[str]:
    out = []
    for name, (_event, table, _condition) in _EVENTS.items():
        out.append(
            f"DROP TRIGGER IF EXISTS worklist_{name}"
            + ("" if dialect == "sqlite" else f" ON {table}")
        )
        if dialect != "sqlite":
            out.append(f"DROP FUNCTION IF EXISTS worklist_{name}()")
    return out


def create_triggers(conn: Connection) -> None:
    for statement in trigger_ddl(conn.dialect.name):
        conn.exec_driver_sql(statement)


def drop_triggers(conn: Connection) -> None:
    for statement in drop_ddl(conn.dialect.name):
        conn.exec_driver_sql(statement)


def rebuild(conn: Connection) -> int:
    """Fill `worklist_entry` anew from the tables (after a migration or a bulk load)."""
    conn.execute(text("DELETE FROM worklist_entry"))
    for statement in _inserts(conn.dialect.name, _grants(conn.dialect.name, "1 = 1")):
        conn.exec_driver_sql(statement)
    return int(conn.execute(text("SELECT count(*) FROM worklist_entry")).scalar() or 0)


def trigger_names() -> list[str]:
    """The names of the triggers that keep `worklist_entry`."""
    return sorted(f"worklist_{name}" for name in _EVENTS)


def restore_triggers(conn: Connection) -> bool:
    """Recreate the triggers and refill the index if a migration lost any (SQLite drops a
    table's triggers when a migration rebuilds the table); True if it had to."""
    if conn.dialect.name != "sqlite":
        return False  # PostgreSQL alters tables in place: their triggers stay
    tables = {
        r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")
    }
    if "worklist_entry" not in tables:
        return False
    found = {
        r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='trigger'")
    }
    if set(trigger_names()) <= found:
        return False
    drop_triggers(conn)
    create_triggers(conn)
    rebuild(conn)
    return True
