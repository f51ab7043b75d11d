"""Statistics for the query planner: ANALYZE after migrations, `PRAGMA optimize` now and then.

SQLite keeps no statistics unless asked; without them it picks the index of the least selective
column (`case.status`, where almost every case is running) and reads whole tables. PostgreSQL's
autovacuum keeps its own, but a migration that adds an index or fills a table should not wait.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine as SqlEngine

# Rows ANALYZE samples per index on SQLite: enough for the planner, seconds on a large file.
SQLITE_ANALYSIS_LIMIT = 2000
OPTIMIZE_EVERY_SECONDS = 3600


def analyze(db: SqlEngine) -> None:
    """Gather the planner's statistics for every table (after `percorsi init` and upgrades)."""
    with db.connect() as conn:
        if db.dialect.name == "sqlite":
            conn.exec_driver_sql(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}")
        conn.exec_driver_sql("ANALYZE")
        conn.commit()


def optimize(db: SqlEngine) -> None:
    """Refresh statistics that have drifted (SQLite's `PRAGMA optimize`; cheap when none has)."""
    if db.dialect.name != "sqlite":
        return  # autovacuum analyses PostgreSQL's tables as they change
    with db.connect() as conn:
        conn.exec_driver_sql(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}")
        conn.exec_driver_sql("PRAGMA optimize")
        conn.commit()
