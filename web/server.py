"""Serving the web app with gunicorn: what `percorsi serve` (and so `make run`) runs.

- Workers are gthread processes (threads, and HTTP keep-alive); each builds the app after the
  fork, so no database connection crosses a fork. A kept-alive connection the client closes is
  closed by the worker's main thread, not handed to a thread to read its end (PercorsiWorker).
- The scheduler is embedded in the workers on standby: the worker holding the lease runs it
  (`scheduler` on SQLite, shared with any `percorsi scheduler`; `web-scheduler` on PostgreSQL),
  another takes over if that worker goes. On SQLite with one worker (the default), commands
  wake it within the process as before. `--no-scheduler` when `percorsi scheduler` processes
  run beside the web server (the production layout on PostgreSQL).
- Counters of several workers are summed through PROMETHEUS_MULTIPROC_DIR, a directory made
  here and removed at exit (unless the administrator names one).
- Logs are JSON lines on stderr, gunicorn's own too; there is no access log: the app writes one
  line per request.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger
from gunicorn.workers.gthread import ThreadWorker

from engine import Settings

from .logs import configure_logging, formatter
from .metrics import MULTIPROC_ENV

KEEPALIVE_SECONDS = 5
TIMEOUT_SECONDS = 60
log = logging.getLogger("percorsi.server")


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 5000
    workers: int = 1
    threads: int = 8
    scheduler: bool = True


class PercorsiLogger(Logger):  # type: ignore[misc]
    """gunicorn's logger, writing in Percorsi's format (PERCORSI_LOG_FORMAT)."""

    settings = Settings()

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(formatter(self.settings))


class PercorsiWorker(ThreadWorker):  # type: ignore[misc]
    """gunicorn's gthread worker, minus a round trip per connection for clients without a pool.

    gthread hands a kept-alive connection to a thread as soon as it turns readable, also when
    the client has only closed it: the thread reads the end, and hands it back to be closed
    (two thread switches and a pipe write: 10-20% of /healthz's CPU, measured). Here the
    main thread looks first, without reading: an end is closed at once, a request goes on as
    before."""

    def on_client_socket_readable(self, conn: Any, client: socket.socket) -> None:
        if self.cfg.is_ssl or not _closed_by_peer(client):
            super().on_client_socket_readable(conn, client)
            return
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        self.nr_conns -= 1
        conn.close()


def _closed_by_peer(client: socket.socket) -> bool:
    """True when the client closed (or reset) the connection and sent nothing more."""
    try:
        return client.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except (BlockingIOError, InterruptedError):
        return False
    except OSError:
        return True


class PercorsiServer(BaseApplication):  # type: ignore[misc]
    """gunicorn, configured in code: no config file to lose or to drift."""

    def __init__(self, settings: Settings, options: ServeOptions) -> None:
        self.settings = settings
        self.options = options
        self._made_metrics_dir: str | None = None
        super().__init__()

    def load_config(self) -> None:
        PercorsiLogger.settings = self.settings
        for name, value in gunicorn_settings(self.settings, self.options).items():
            self.cfg.set(name, value)

    def load(self) -> Any:
        """Build the app in the worker, after the fork."""
        from .app import create_app

        return create_app(start_scheduler=self.options.scheduler)

    def run(self) -> None:
        if self.options.workers > 1 and not os.environ.get(MULTIPROC_ENV):
            self._made_metrics_dir = tempfile.mkdtemp(prefix="percorsi-metrics-")
            os.environ[MULTIPROC_ENV] = self._made_metrics_dir
        try:
            super().run()
        finally:
            if self._made_metrics_dir:
                shutil.rmtree(self._made_metrics_dir, ignore_errors=True)


def gunicorn_settings(settings: Settings, options: ServeOptions) -> dict[str, Any]:
    """gunicorn's settings for these options (also documented in OPERATING.md)."""
    return {
        "bind": [f"{options.host}:{options.port}"],
        "workers": options.workers,
        "worker_class": PercorsiWorker,
        "threads": options.threads,
        "keepalive": KEEPALIVE_SECONDS,
        "timeout": TIMEOUT_SECONDS,
        "graceful_timeout": 30,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": settings.log_level,
        "logger_class": PercorsiLogger,
        "proc_name": "percorsi",
        "control_socket_disable": True,  # gunicornc's socket would be shared by every instance
        "worker_exit": _worker_exit,
        "child_exit": _child_exit,
    }


def _worker_exit(_server: Any, worker: Any) -> None:
    """A worker that stops gives its scheduler lease back at once."""
    app = getattr(worker, "wsgi", None)
    scheduler = getattr(app, "extensions", {}).get("percorsi_scheduler")
    if scheduler is not None:
        scheduler.stop()


def _child_exit(_server: Any, worker: Any) -> None:
    """Forget the metric files of a worker that is gone (in the arbiter)."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


def serve(settings: Settings, options: ServeOptions, warn: Callable[[str], None]) -> None:
    """Run gunicorn until it is stopped (SIGTERM or Ctrl-C)."""
    configure_logging(settings)
    if settings.is_sqlite and options.workers > 1:
        warn(
            "SQLite has one writer: several workers queue for it, and a timer set through "
            "one worker waits for the minute's sweep if another holds the scheduler. "
            "Use one worker with --threads, or PostgreSQL."
        )
    PercorsiServer(settings, options).run()
