"""Dashboards kept ready: each computed dashboard is stored, served while fresh, and refreshed.

Computing the indicators reads every covered case and its milestone tasks: milliseconds at the
demo's size, seconds at 50,000 cases. The Comitato reads trends, not the last minute, so a
dashboard is served from its snapshot while it is younger than `FRESH_FOR`; the scheduler
recomputes the snapshots read in the last day before they go stale, so readers rarely wait.
A snapshot is keyed by everything the result depends on: the breakdown, the filters, the
milestone map and whether the reader gets suppressed aggregates only.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select

from engine.actors import Actor
from engine.reporting.indicator_queries import DashboardQuery
from engine.reporting.indicators import (
    BacklogRow,
    Dashboard,
    GroupIndicators,
    IndicatorMap,
    OutcomeRow,
    aggregates_only,
    compute_dashboard,
    require_dashboard_reader,
)
from engine.reporting.results import CaseloadRow, ResultRow, Results, compute_results
from engine.rules.access import AGGREGATE_ONLY
from engine.store.tables import IndicatorSnapshot
from engine.store.uow import UnitOfWork

FRESH_FOR = timedelta(minutes=10)
REFRESH_AFTER = timedelta(minutes=7)  # the scheduler's refresh comes before readers see it old
KEEP_IF_READ_WITHIN = timedelta(days=1)
# Who the scheduler computes a snapshot as: the two kinds of reader.
EVERYTHING = Actor(None, "indicator-snapshots", is_admin=True)
CABINA = Actor(None, "indicator-snapshots", frozenset({(AGGREGATE_ONLY, "")}))


def snapshot_key(
    q: DashboardQuery, hide: bool, mapping: IndicatorMap, kind: str = "dashboard"
) -> str:
    facts = {"query": asdict(q), "hide": hide, "mapping": asdict(mapping)}
    if kind != "dashboard":
        facts["kind"] = kind
    return hashlib.sha256(json.dumps(facts, default=str, sort_keys=True).encode()).hexdigest()


def read_dashboard(
    uow: UnitOfWork, actor: Actor, q: DashboardQuery, mapping: IndicatorMap
) -> Dashboard:
    """The dashboard from a fresh snapshot, or computed now and kept (commits the snapshot)."""
    board: Dashboard = _read(uow, actor, q, mapping, "dashboard")
    return board


def read_results(
    uow: UnitOfWork, actor: Actor, q: DashboardQuery, mapping: IndicatorMap
) -> Results:
    """The network's results, kept and refreshed like the dashboard they are shown with."""
    results: Results = _read(uow, actor, q, mapping, "results")
    return results


def _read(
    uow: UnitOfWork, actor: Actor, q: DashboardQuery, mapping: IndicatorMap, kind: str
) -> Any:
    require_dashboard_reader(actor)
    q.check()
    hide = aggregates_only(actor)
    compute, encoded, decoded = KINDS[kind]
    key = snapshot_key(q, hide, mapping, kind)
    row = uow.session.get(IndicatorSnapshot, key)
    if row is not None and row.computed_at >= uow.now - FRESH_FOR:
        kept = decoded(row.payload)
        if row.read_at < uow.now - timedelta(hours=1):  # kept refreshed while it is read
            _write(uow, key, lambda found: setattr(found, "read_at", uow.now))
        return kept
    value = compute(uow, actor, q, mapping)
    source = json.loads(
        json.dumps(
            {"query": asdict(q), "hide": hide, "mapping": asdict(mapping), "kind": kind},
            default=str,
        )
    )

    def store(found: IndicatorSnapshot) -> None:
        found.source, found.payload = source, encoded(value)
        found.computed_at = found.read_at = uow.now

    _write(uow, key, store)
    return value


@contextmanager
def _write_transaction(uow: UnitOfWork) -> Iterator[None]:
    """A write transaction of its own, committed at the end (readers' uow are read-only).

    On SQLite a read transaction that turns into a write fails if another command committed
    meanwhile: end the read, and begin the write with the write lock (BEGIN IMMEDIATE). The
    connection keeps that option: give it back its own, or the reads that follow would hold
    the write lock, and so every command back, while they compute."""
    uow.session.commit()
    conn = uow.session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
    yield
    uow.commit()
    conn.execution_options(sqlite_begin="IMMEDIATE" if uow.write else "DEFERRED")


def _write(uow: UnitOfWork, key: str, change: Any) -> None:
    """Change the snapshot row in a write transaction of its own."""
    with _write_transaction(uow):
        row = uow.session.get(IndicatorSnapshot, key, populate_existing=True)
        if row is None:
            row = IndicatorSnapshot(key=key)
            uow.session.add(row)
        change(row)


def refresh_snapshots(uow: UnitOfWork) -> int:
    """Recompute the snapshots read lately that are about to go stale; drop unread ones.

    Each is computed in the read transaction of a read-only `uow` and stored in a short write
    of its own: the figures take seconds at 50,000 cases, and on SQLite a write transaction
    would hold back every command meanwhile."""
    with _write_transaction(uow):
        uow.session.execute(
            delete(IndicatorSnapshot).where(
                IndicatorSnapshot.read_at < uow.now - KEEP_IF_READ_WITHIN
            )
        )
    due = uow.session.execute(
        select(IndicatorSnapshot.key, IndicatorSnapshot.source).where(
            IndicatorSnapshot.computed_at < uow.now - REFRESH_AFTER
        )
    ).all()
    for key, source in due:
        q = _query(source["query"])
        mapping = IndicatorMap(**{k: _tuple(v) for k, v in source["mapping"].items()})
        compute, encoded, _decoded = KINDS[source.get("kind", "dashboard")]
        value = compute(uow, CABINA if source["hide"] else EVERYTHING, q, mapping)
        _keep(uow, key, source, encoded(value))
    return len(due)


def _keep(uow: UnitOfWork, key: str, source: dict[str, Any], payload: dict[str, Any]) -> None:
    """Store a recomputed snapshot; one dropped meanwhile comes back as if just read."""

    def store(found: IndicatorSnapshot) -> None:
        found.source, found.payload, found.computed_at = source, payload, uow.now
        found.read_at = found.read_at or uow.now

    _write(uow, key, store)


def _tuple(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _query(raw: dict[str, Any]) -> DashboardQuery:
    moments = {k: datetime.fromisoformat(v) if v else None for k, v in raw.items() if k != "by"}
    return DashboardQuery(
        by=raw["by"], process=raw["process"], **{k: v for k, v in moments.items() if k != "process"}
    )


def encode(board: Dashboard) -> dict[str, Any]:
    out = asdict(board)
    out["query"] = json.loads(json.dumps(out["query"], default=str))
    return out


def decode(raw: dict[str, Any]) -> Dashboard:
    """A Dashboard back from its stored form."""
    values = dict(raw)
    values["query"] = _query(raw["query"])
    values["groups"] = [GroupIndicators(**g) for g in raw["groups"]]
    values["total"] = GroupIndicators(**raw["total"])
    values["outcomes"] = [OutcomeRow(**o) for o in raw["outcomes"]]
    values["backlog"] = [BacklogRow(**b) for b in raw["backlog"]]
    values["backlog_total"] = BacklogRow(**raw["backlog_total"])
    assert {f.name for f in fields(Dashboard)} == set(values)
    return Dashboard(**values)


def encode_results(results: Results) -> dict[str, Any]:
    return asdict(results)


def decode_results(raw: dict[str, Any]) -> Results:
    """Results back from their stored form."""
    return Results(
        aggregates_only=raw["aggregates_only"],
        service_types=list(raw["service_types"]),
        groups=[ResultRow(**g) for g in raw["groups"]],
        total=ResultRow(**raw["total"]),
        caseload=[CaseloadRow(**c) for c in raw["caseload"]],
    )


# What each kind of snapshot holds: how it is computed, stored and read back.
KINDS: dict[str, tuple[Any, Any, Any]] = {
    "dashboard": (compute_dashboard, encode, decode),
    "results": (compute_results, encode_results, decode_results),
}
