"""Statistics for the query planner: ANALYZE after migrations, `PRAGMA optimize` now and then.

SQLite keeps no statistics unless asked; without them it picks the index of the least selective
column (`case.status`, where almost every case is running) and reads whole tables. PostgreSQL's
autovacuum keeps its own, but a migration that adds an index or fills a table should not wait.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine as SqlEngine
from sqlalchemy.exc import DBAPIError

# Rows ANALYZE samples per index on SQLite: enough for the planner, seconds on a large file.
SQLITE_ANALYSIS_LIMIT = 2000
OPTIMIZE_EVERY_SECONDS = 3600


# Below this many task rows SQLite plans well without statistics, and statistics taken on a
# near-empty database would mislead it as the tables grow: take them only past this size.
SQLITE_MIN_TASKS = 5000


def analyze(db: SqlEngine) -> None:
    """Gather the planner's statistics (after `percorsi init` and upgrades) once there is data."""
    with db.connect() as conn:
        if db.dialect.name == "sqlite":
            if _tasks(conn) < SQLITE_MIN_TASKS:
                return
            conn.exec_driver_sql(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}")
        conn.exec_driver_sql("ANALYZE")
        conn.commit()


def optimize(db: SqlEngine) -> None:
    """Refresh statistics that have drifted (SQLite's `PRAGMA optimize`; cheap when none has)."""
    if db.dialect.name != "sqlite":
        return  # autovacuum analyses PostgreSQL's tables as they change
    with db.connect() as conn:
        analysed = conn.exec_driver_sql(
            "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"
        ).scalar()
    if not analysed:
        analyze(db)  # the first statistics, once the database has grown enough
        return
    with db.connect() as conn:
        conn.exec_driver_sql(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}")
        conn.exec_driver_sql("PRAGMA optimize")
        conn.commit()


def _tasks(conn: Connection) -> int:
    """About how many task rows there are (the largest id: no count over the table)."""
    try:
        found = conn.exec_driver_sql("SELECT max(id) FROM human_task").scalar()
    except DBAPIError:  # not migrated yet
        conn.rollback()
        return 0
    return int(found or 0)
