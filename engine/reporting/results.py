"""What the network achieves (DOMAIN.md), by target group, Comune or referring organisation:
pacts signed (wherever they are signed), services started by type, traineeships started,
completed and turned into jobs, people employed 28 days and 6 months after exit (ESF+),
drop-outs; and the caseload of each case manager and CAV operator.

Readers of aggregates only (the Cabina di Regia) get every count below 5 hidden, with the
next smallest of a breakdown hidden too (engine/reporting/suppression.py), rates over fewer
than 5 cases hidden, and caseloads per organisation instead of per person.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Subquery, func, select

from engine.actors import Actor
from engine.reporting.indicator_queries import (
    DashboardQuery,
    answers,
    case_base,
    cases_completing,
    completions_by_element,
    count_by_key,
    last_of_each_case,
    outcome_values,
)
from engine.reporting.indicators import IndicatorMap, checked_reader
from engine.reporting.suppression import Cell, protected, rate, shown
from engine.store.tables import Case, Organization, User
from engine.store.uow import UnitOfWork

COUNTS = (
    "pacts",
    "traineeships_started",
    "traineeships_completed",
    "traineeships_to_job",
    "reached_28d",
    "employed_28d",
    "reached_6m",
    "employed_6m",
    "outcomes",
    "dropouts",
)


@dataclass
class _Tally:
    """Raw counts of one group, before suppression."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    services: dict[str, int] = field(default_factory=lambda: defaultdict(int))


@dataclass(frozen=True)
class ResultRow:
    """The results of one group of cases (key "*": all of them)."""

    key: str
    counts: dict[str, Cell]
    services: dict[str, Cell]
    employed_28d_pct: Cell
    employed_6m_pct: Cell
    dropout_pct: Cell


@dataclass(frozen=True)
class CaseloadRow:
    """Running cases led by one person (or, for aggregate-only readers, one organisation)."""

    organization: str
    username: str  # empty for aggregate-only readers
    full_name: str
    people: int
    open_cases: Cell


@dataclass(frozen=True)
class Results:
    aggregates_only: bool
    service_types: list[str]
    groups: list[ResultRow]
    total: ResultRow
    caseload: list[CaseloadRow]


def compute_results(
    uow: UnitOfWork, actor: Actor, q: DashboardQuery, mapping: IndicatorMap
) -> Results:
    """The network's results for the covered cases, suppressed as the reader may see them."""
    hide = checked_reader(uow, actor, q)
    base = case_base(q)
    tallies = _tally(uow, base, mapping)
    types = sorted({t for _e, t in mapping.service_starts})
    total = _Tally()
    for tally in tallies.values():
        for name, n in tally.counts.items():
            total.counts[name] += n
        for kind, n in tally.services.items():
            total.services[kind] += n
    columns = _protected_columns(tallies, types, hide)
    rows = [_row(key, tallies[key], types, hide, columns) for key in sorted(tallies)]
    return Results(
        aggregates_only=hide,
        service_types=types,
        groups=rows,
        total=_row("*", total, types, hide, None),
        caseload=caseload(uow, base, hide),
    )


def _tally(uow: UnitOfWork, base: Subquery, m: IndicatorMap) -> dict[str, _Tally]:
    """Counts of the completed tasks that mark results, and the answers that some of them give."""
    starts = dict(m.service_starts)
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    for key in count_by_key(uow, base):
        tallies[key] = _Tally()
    for key, n in cases_completing(uow, base, m.patto).items():
        tallies[key].counts["pacts"] = n
    for key, element, n in completions_by_element(uow, base, {*starts, *m.traineeship_starts}):
        if element in starts:
            tallies[key].services[starts[element]] += n
        if element in m.traineeship_starts:
            tallies[key].counts["traineeships_started"] += n
    answered = {*m.traineeship_ends, *m.followup_28_days, *m.followup_6_months}
    for _case, key, element, data in answers(uow, base, answered):
        _count(tallies[key], m, element, data or {})
    outcomes = outcome_values(uow, base, m.outcome, m.outcome_field)
    for _case, key, value in last_of_each_case(outcomes):  # each case's last recorded outcome
        tallies[key].counts["outcomes"] += 1
        tallies[key].counts["dropouts"] += value == m.dropout_outcome
    return tallies


def _count(t: _Tally, m: IndicatorMap, element: str, answer: dict[str, Any]) -> None:
    c = t.counts
    if element in m.traineeship_ends:
        c["traineeships_completed"] += answer.get("result") in m.completed_results
        c["traineeships_to_job"] += answer.get("result") == m.job_result
    for elements, suffix in ((m.followup_28_days, "28d"), (m.followup_6_months, "6m")):
        if element in elements:
            c[f"reached_{suffix}"] += answer.get("contacted") is True
            c[f"employed_{suffix}"] += answer.get("employed") is True


def _protected_columns(
    tallies: dict[str, _Tally], types: list[str], hide: bool
) -> dict[str, dict[str, Cell]]:
    """Each count column as a breakdown over the groups, suppressed as a whole."""
    columns = {
        name: protected({k: t.counts[name] for k, t in tallies.items()}, hide) for name in COUNTS
    }
    for kind in types:
        breakdown = {k: t.services.get(kind, 0) for k, t in tallies.items()}
        columns[f"service:{kind}"] = protected(breakdown, hide)
    return columns


def _row(
    key: str,
    t: _Tally,
    types: list[str],
    hide: bool,
    columns: dict[str, dict[str, Cell]] | None,
) -> ResultRow:
    def cell(name: str, raw: int) -> Cell:
        return columns[name][key] if columns is not None else shown(raw, hide)

    c = t.counts
    return ResultRow(
        key=key,
        counts={name: cell(name, c[name]) for name in COUNTS},
        services={kind: cell(f"service:{kind}", t.services.get(kind, 0)) for kind in types},
        employed_28d_pct=rate(c["employed_28d"], c["reached_28d"], hide),
        employed_6m_pct=rate(c["employed_6m"], c["reached_6m"], hide),
        dropout_pct=rate(c["dropouts"], c["outcomes"], hide),
    )


def caseload(uow: UnitOfWork, base: Subquery, hide: bool) -> list[CaseloadRow]:
    """Running covered cases per named case manager and CAV operator."""
    found: dict[tuple[str, str, str], int] = defaultdict(int)
    for person in (Case.case_manager_id, Case.cav_operator_id):
        rows = uow.session.execute(
            select(Organization.code, User.username, User.full_name, func.count())
            .select_from(Case)
            .join(base, base.c.id == Case.id)
            .join(User, User.id == person)
            .outerjoin(Organization, Organization.id == Case.owner_organization_id)
            .where(Case.status == "running")
            .group_by(Organization.code, User.username, User.full_name)
        ).all()
        for org, username, full_name, n in rows:
            found[(org or "", username, full_name or username)] += int(n)
    if not hide:
        return [
            CaseloadRow(org, user, name, 1, n)
            for (org, user, name), n in sorted(found.items(), key=lambda i: (i[0][0], -i[1]))
        ]
    by_org: dict[str, list[int]] = defaultdict(list)
    for (org, _user, _name), n in found.items():
        by_org[org].append(n)
    cells = protected({org: sum(ns) for org, ns in by_org.items()}, hide)
    return [CaseloadRow(org, "", "", len(by_org[org]), cells[org]) for org in sorted(by_org)]
