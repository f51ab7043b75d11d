"""Wake-ups across processes on PostgreSQL: LISTEN/NOTIFY on one channel.

A command that sets a wake-up (a timer, a ladder step, a notification to deliver) sends
`NOTIFY percorsi_wakeup, '<ISO time>'` inside its own transaction: PostgreSQL delivers it only
if the transaction commits, once, to every session listening. Each scheduler process keeps one
connection of its own that listens, and moves its next pass earlier when told.
SQLite has no such thing: there the wake-up stays within the process (`Engine.notify_wakeup`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import URL, Connection

log = logging.getLogger(__name__)
CHANNEL = "percorsi_wakeup"
_NOTIFY = text(f"SELECT pg_notify('{CHANNEL}', :at)")
POLL_SECONDS = 1.0  # how often the listener looks at its stop flag
RECONNECT_MAX_SECONDS = 30.0


def publish(connection: Connection, at: datetime) -> None:
    """Tell every listening process, once this transaction commits, that work is due at `at`."""
    connection.execute(_NOTIFY, {"at": at.astimezone(UTC).isoformat()})


def libpq_url(url: URL) -> str:
    """The SQLAlchemy URL as a libpq connection string (psycopg's own)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class WakeupListener:
    """A thread that LISTENs on its own connection and calls `on_wakeup(at)` per notification.

    After a lost connection it reconnects with backoff and calls `on_wakeup(now)`: whatever was
    announced meanwhile is then caught by the pass that follows."""

    def __init__(self, url: URL, on_wakeup: Callable[[datetime], None]) -> None:
        self._conninfo = libpq_url(url)
        self._on_wakeup = on_wakeup
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="percorsi-wakeups", daemon=True)
        self.listening = threading.Event()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=POLL_SECONDS * 5)

    def _run(self) -> None:
        delay = 0.5
        while not self._stop.is_set():
            try:
                self._listen()
                delay = 0.5
            except psycopg.Error:
                self.listening.clear()
                log.warning("wake-up listener lost its connection; reconnecting in %.1f s", delay)
                self._stop.wait(delay)
                delay = min(delay * 2, RECONNECT_MAX_SECONDS)

    def _listen(self) -> None:
        with psycopg.connect(self._conninfo, autocommit=True) as conn:
            conn.execute(f"LISTEN {CHANNEL}")
            self.listening.set()
            self._on_wakeup(datetime.now(UTC))  # catch up on what was announced while away
            while not self._stop.is_set():
                for note in conn.notifies(timeout=POLL_SECONDS):
                    self._on_wakeup(_moment(note.payload))


def _moment(payload: str) -> datetime:
    """The moment a notification names (now, if it names none that parses)."""
    try:
        moment = datetime.fromisoformat(payload)
    except ValueError:
        return datetime.now(UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
