"""Backups and restores of the whole database.

- SQLite: SQLite's online backup API copies a consistent snapshot while Percorsi runs (WAL lets
  writers go on); the copy is checked (`PRAGMA integrity_check`) and left as one plain file.
  A restore copies a backup back into the database file the same way, after keeping the current
  database beside it (`<database>.before-restore-<time>`).
- PostgreSQL: `pg_dump --format=custom` of Percorsi's schema (the connection's current one, so
  other schemas of the database are neither copied nor touched); a restore keeps a dump of the
  current database beside
  the file restored, then in ONE transaction (psql --single-transaction) drops the tables of
  the current schema and replays the archive (`pg_restore --file=-`): it happens whole or not
  at all, whatever tables a newer schema added. The client tools come with Debian's
  `postgresql-client` package, of the server's major version or newer.
A restore refuses a file that is not a backup of the right kind, before touching anything.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, make_url

from engine.errors import ConfigurationError, InvalidInput

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"


@dataclass(frozen=True)
class Copy:
    """A backup file made, or a database restored."""

    path: Path
    kind: str  # "sqlite" or "pg_dump"
    size: int
    kept: Path | None = None  # the database as it was before a restore


def backup(database_url: str, target: Path) -> Copy:
    """Write a consistent copy of the database to `target` (which must not exist)."""
    if target.exists():
        raise InvalidInput(
            f"{target} exists: name a new file (backups are never overwritten)",
            [{"field": "FILE", "message": "exists"}],
        )
    if not target.parent.is_dir():
        raise InvalidInput(
            f"{target.parent} is not a directory", [{"field": "FILE", "message": "no directory"}]
        )
    url = make_url(database_url)
    partial = target.with_name(f".{target.name}.partial")
    try:
        kind = _sqlite_backup(url, partial) if _is_sqlite(url) else _pg_dump(url, partial)
        os.replace(partial, target)  # a backup file exists whole, or not at all
    finally:
        partial.unlink(missing_ok=True)
    return Copy(target, kind, target.stat().st_size)


def restore(database_url: str, source: Path, moment: datetime | None = None) -> Copy:
    """Replace the database with the backup `source`, keeping the current one beside it."""
    url = make_url(database_url)
    stamp = (moment or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    if _is_sqlite(url):
        _check_header(source, SQLITE_MAGIC, "a SQLite backup (made by percorsi backup)")
        _check_sqlite(source)
        live = _sqlite_path(url)
        kept = live.with_name(f"{live.name}.before-restore-{stamp}")
        _sqlite_backup(url, kept)
        _copy_sqlite(source, live)
        return Copy(live, "sqlite", live.stat().st_size, kept)
    _check_header(source, PG_MAGIC, "a pg_dump archive in custom format (made by percorsi backup)")
    _run(["pg_restore", "--list", str(source)], url, "reading the archive")
    kept = source.with_name(f"{source.name}.before-restore-{stamp}")
    _pg_dump(url, kept)
    _replay(url, source, _drop_tables(url))
    return Copy(source, "pg_dump", source.stat().st_size, kept)


def _is_sqlite(url: URL) -> bool:
    return url.drivername.startswith("sqlite")


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise ConfigurationError("an in-memory SQLite database cannot be backed up or restored")
    return Path(url.database)


def _sqlite_backup(url: URL, target: Path) -> str:
    """Copy the live database with the backup API, check the copy, make it one plain file."""
    source = sqlite3.connect(_sqlite_path(url), timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        (verdict,) = copy.execute("PRAGMA integrity_check").fetchone()
    finally:
        copy.close()
        source.close()
    if verdict != "ok":
        raise ConfigurationError(f"the copy failed SQLite's integrity check: {verdict}")
    return "sqlite"


def _check_sqlite(path: Path) -> None:
    """Refuse a SQLite file that is damaged or holds no Percorsi database."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        (verdict,) = connection.execute("PRAGMA integrity_check").fetchone()
        tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
    finally:
        connection.close()
    if verdict != "ok":
        raise InvalidInput(f"{path} fails SQLite's integrity check: {verdict}")
    if not {"alembic_version", "case", "case_event"} <= tables:
        raise InvalidInput(f"{path} is a SQLite file, but not a Percorsi database")


def _copy_sqlite(source: Path, live: Path) -> None:
    """Copy a backup into the live file through the backup API (other connections wait)."""
    origin = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    target = sqlite3.connect(live, timeout=30)
    try:
        origin.backup(target)
        target.execute("PRAGMA journal_mode=WAL")
    finally:
        target.close()
        origin.close()


def _check_header(path: Path, magic: bytes, what: str) -> None:
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file", [{"field": "FILE", "message": "missing"}])
    with path.open("rb") as f:
        head = f.read(len(magic))
    if head != magic:
        raise InvalidInput(
            f"{path} is not {what} for this database", [{"field": "FILE", "message": "wrong kind"}]
        )


def _schema(url: URL) -> str:
    """The schema Percorsi's tables live in: the connection's current schema."""
    db = create_engine(url)
    try:
        with db.connect() as conn:
            return str(conn.execute(text("SELECT current_schema()")).scalar_one())
    finally:
        db.dispose()


def _drop_tables(url: URL) -> str:
    """SQL dropping every table of Percorsi's schema (its own and any other there), and its
    functions (the worklist's triggers), which the archive creates again."""
    db = create_engine(url)
    try:
        names = inspect(db).get_table_names()
        quote = db.dialect.identifier_preparer.quote
        with db.connect() as conn:
            functions = conn.execute(text(_SCHEMA_FUNCTIONS)).scalars().all()
    finally:
        db.dispose()
    tables = f"DROP TABLE IF EXISTS {', '.join(quote(n) for n in names)} CASCADE;\n"
    return (tables if names else "") + "".join(
        f"DROP FUNCTION IF EXISTS {signature} CASCADE;\n" for signature in functions
    )


# The schema's own functions with their argument types, leaving out those of extensions.
_SCHEMA_FUNCTIONS = """
SELECT p.oid::regprocedure::text FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = current_schema()
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
"""


def _replay(url: URL, archive: Path, preamble: str) -> None:
    """Drop, then replay the archive as SQL, in one psql transaction (all or nothing)."""
    for tool in ("pg_restore", "psql"):
        _require(tool)
    env = _env(url)
    psql = [
        "psql", "--quiet", "--no-psqlrc", "--single-transaction", "--set=ON_ERROR_STOP=1",
        "--dbname", _conninfo(url),
    ]  # fmt: skip
    pipe = subprocess.PIPE
    with (
        subprocess.Popen(
            ["pg_restore", "--no-owner", "--no-privileges", f"--schema={_schema(url)}",
             "--file=-", str(archive)],
            stdout=pipe, stderr=pipe, env=env,
        ) as reader,
        subprocess.Popen(
            psql, stdin=pipe, stdout=subprocess.DEVNULL, stderr=pipe, env=env
        ) as writer,
    ):  # fmt: skip
        assert reader.stdout and reader.stderr and writer.stdin and writer.stderr
        try:
            writer.stdin.write(preamble.encode())
            shutil.copyfileobj(reader.stdout, writer.stdin)
            writer.stdin.close()
        except BrokenPipeError:  # psql stopped at an error (ON_ERROR_STOP): its message follows
            reader.kill()
        errors = (writer.stderr.read() or reader.stderr.read()).decode()
        failed = reader.wait() != 0 or writer.wait() != 0
    if failed:
        lines = errors.strip().splitlines()
        raise ConfigurationError(
            f"the restore failed and was rolled back: {lines[-1] if lines else 'no message'}"
        )


def _pg_dump(url: URL, target: Path) -> str:
    _run(
        [
            "pg_dump",
            "--format=custom",
            "--no-owner",
            f"--schema={_schema(url)}",
            "--file",
            str(target),
            _conninfo(url),
        ],
        url,
        "dumping",
    )
    return "pg_dump"


def _conninfo(url: URL) -> str:
    """libpq's URL without the password (given through PGPASSWORD, not on the command line)."""
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _require(tool: str) -> None:
    if shutil.which(tool) is None:
        raise ConfigurationError(
            f"{tool} is not installed: install PostgreSQL's client tools (Debian: "
            f"apt-get install postgresql-client), of the server's major version or newer"
        )


def _env(url: URL) -> dict[str, str]:
    env = {**os.environ, "PGOPTIONS": "-c client_min_messages=warning"}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return env


def _run(command: list[str], url: URL, doing: str) -> None:
    tool = command[0]
    _require(tool)
    done = subprocess.run(command, env=_env(url), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "no message"
        raise ConfigurationError(f"{tool} failed while {doing}: {detail}")
