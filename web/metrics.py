"""Prometheus metrics at /metrics: what the engine did (counted in each process) and what is open
or due (read from the database when scraped, at most every PERCORSI_METRICS_CACHE_SECONDS).

Under several gunicorn workers the counters live in PROMETHEUS_MULTIPROC_DIR (set by
`percorsi serve`) and every worker's are summed at each scrape. Access needs the metrics token
(`Authorization: Bearer ...`) or an address in PERCORSI_METRICS_ALLOW; with neither set the
page is off.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

from flask import Flask, Response, request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, values
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from engine import Engine
from engine.errors import ConfigurationError, EngineError, Forbidden, NotFound, Unauthenticated
from engine.reads.gauges import Gauges, read_gauges

from .problems import engine_problem

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LATENESS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 15.0, 60.0, 300.0, 3600.0)
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def multiprocess() -> bool:
    """True when counters are kept in files shared by several processes."""
    return bool(os.environ.get(MULTIPROC_ENV))


class Metrics:
    """The counters and histograms of one process (or of every worker, in multiprocess mode)."""

    def __init__(self) -> None:
        if multiprocess() and not getattr(values.ValueClass, "_multiprocess", False):
            values.ValueClass = values.MultiProcessValue()  # type: ignore[no-untyped-call]
        self.registry = CollectorRegistry()
        self._database: DatabaseCollector | None = None
        r = self.registry
        self.commands = Counter(
            "percorsi_commands", "Commands run, by command and outcome", ["command", "outcome"],
            registry=r,
        )  # fmt: skip
        self.command_seconds = Histogram(
            "percorsi_command_duration_seconds", "How long commands took", ["command"],
            buckets=LATENCY, registry=r,
        )  # fmt: skip
        self.timers_fired = Counter("percorsi_timers_fired", "BPMN timers fired", registry=r)
        self.timer_lateness = Histogram(
            "percorsi_timer_lateness_seconds", "How late timers fired after their due time",
            buckets=LATENESS, registry=r,
        )  # fmt: skip
        self.passes = Counter(
            "percorsi_scheduler_passes", "Scheduler passes, by outcome", ["outcome"], registry=r
        )
        self.pass_seconds = Histogram(
            "percorsi_scheduler_pass_duration_seconds", "How long scheduler passes took",
            buckets=LATENCY, registry=r,
        )  # fmt: skip
        self.requests = Counter(
            "percorsi_http_requests", "HTTP requests, by method and status", ["method", "status"],
            registry=r,
        )  # fmt: skip
        self.request_seconds = Histogram(
            "percorsi_http_request_duration_seconds", "How long HTTP requests took",
            buckets=LATENCY, registry=r,
        )  # fmt: skip

    def exposition(self, engine: Engine | None) -> bytes:
        """The text format, with the database counts of `engine` when given (a registry per
        scrape: concurrent scrapes share nothing but the counters)."""
        scrape = CollectorRegistry(auto_describe=False)
        if multiprocess():
            MultiProcessCollector(scrape)  # type: ignore[no-untyped-call]
        else:
            scrape.register(_Kept(self.registry))
        if engine is not None:
            scrape.register(self._collector(engine))
        return generate_latest(scrape)

    def _collector(self, engine: Engine) -> DatabaseCollector:
        """One collector (and so one cache of the database counts) per engine."""
        if self._database is None or self._database.engine is not engine:
            self._database = DatabaseCollector(engine)
        return self._database


class _Kept(Collector):
    """This process's counters, as one collector of a scrape's registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Iterable[Metric]:
        return self.registry.collect()


class DatabaseCollector(Collector):
    """Gauges read from the database at scrape time, cached for a few seconds."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()
        self._read_at = 0.0
        self._gauges: Gauges | None = None
        self._seconds = 0.0

    def collect(self) -> Iterator[Metric]:
        gauges, seconds = self._current()
        yield _by_org("percorsi_tasks_open", "Open human tasks", gauges.open_tasks)
        yield _by_org(
            "percorsi_tasks_overdue", "Open tasks past their due date", gauges.overdue_tasks
        )
        oldest = gauges.oldest_timer_due
        backlog = (gauges.now - oldest).total_seconds() if oldest else 0.0
        for name, help_text, value in (
            ("percorsi_timers_due", "Timers due and not fired yet", gauges.timers_due),
            ("percorsi_timers_due_oldest_seconds", "Age of the oldest timer due", backlog),
            ("percorsi_escalations_due", "Escalation steps due and not fired yet",
             gauges.escalations_due),
            ("percorsi_outbox_pending", "Notifications waiting to be delivered",
             gauges.outbox_pending),
            ("percorsi_outbox_failed", "Notifications that gave up (percorsi outbox --failed)",
             gauges.outbox_failed),
            ("percorsi_incidents_open", "Incidents awaiting a coordinator", gauges.incidents_open),
            ("percorsi_metrics_database_seconds", "How long reading these counts took", seconds),
        ):  # fmt: skip
            yield GaugeMetricFamily(name, help_text, value=float(value))

    def _current(self) -> tuple[Gauges, float]:
        with self._lock:
            cache = self.engine.settings.metrics_cache_seconds
            if self._gauges is None or time.monotonic() - self._read_at >= cache:
                began = time.perf_counter()
                with self.engine.uow(write=False) as uow:
                    self._gauges = read_gauges(uow)
                self._seconds = time.perf_counter() - began
                self._read_at = time.monotonic()
            return self._gauges, self._seconds


def _by_org(name: str, help_text: str, counts: dict[str, int]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, help_text, labels=["organization"])
    for code, count in sorted(counts.items()):
        family.add_metric([code], float(count))
    return family


def allowed_networks(text: str) -> list[Network]:
    """PERCORSI_METRICS_ALLOW as networks (a bare address is a network of one)."""
    try:
        return [ipaddress.ip_network(p.strip(), strict=False) for p in text.split(",") if p.strip()]
    except ValueError as exc:
        raise ConfigurationError(f"PERCORSI_METRICS_ALLOW={text!r}: {exc}") from exc


def check_access(token: str, networks: list[Network]) -> None:
    """Let the request through with the metrics token or from an allowed address."""
    if not token and not networks:
        raise NotFound(
            "metrics are off: set PERCORSI_METRICS_TOKEN or PERCORSI_METRICS_ALLOW to open them"
        )
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        if hmac.compare_digest(header[len("Bearer ") :].strip().encode(), token.encode()):
            return
        raise Unauthenticated("the metrics token is not valid")
    address = _address(request.remote_addr)
    if address is not None and any(address in n for n in networks):
        return
    if token:
        raise Unauthenticated("send the metrics token: Authorization: Bearer <token>")
    raise Forbidden(f"{request.remote_addr} may not read the metrics (PERCORSI_METRICS_ALLOW)")


def _address(text: str | None) -> Any:
    try:
        return ipaddress.ip_address(text or "")
    except ValueError:
        return None


def serve_metrics(metrics: Metrics, host: str, port: int) -> None:
    """This process's counters over HTTP (a `percorsi scheduler` process; the database counts
    are the web server's to give). Bind it to a private address: it has no token."""
    from prometheus_client import start_http_server

    registry = CollectorRegistry(auto_describe=False)
    if multiprocess():
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(_Kept(metrics.registry))
    start_http_server(port, host, registry)


def init_metrics(app: Flask, engine: Engine, metrics: Metrics) -> None:
    """Serve /metrics, protected by the token or the allowed addresses."""
    networks = allowed_networks(engine.settings.metrics_allow)

    @app.get("/metrics")
    def metrics_page() -> Response:
        """Prometheus text format (refusals as problem+json: no login page for a scraper)."""
        try:
            check_access(engine.settings.metrics_token, networks)
        except EngineError as exc:
            return engine_problem(exc)
        return Response(metrics.exposition(engine), content_type=CONTENT_TYPE_LATEST)
