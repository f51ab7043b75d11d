"""The network's indicators (DOMAIN.md) by target group, Comune or referring organisation.

The Cabina di Regia (`cabina_viewer`) reads aggregates only: counts, rates and medians are
suppressed (engine/suppression.py) before they leave here.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Subquery

from engine.actors import Actor
from engine.errors import Forbidden
from engine.reporting.indicator_queries import (
    DashboardQuery,
    active_by_element,
    backlog_by_organization,
    case_base,
    count_by_key,
    deadline_counts,
    first_milestones,
    last_of_each_case,
    outcome_values,
)
from engine.reporting.periods import require_fixed_period
from engine.reporting.suppression import SUPPRESSED, Cell, middle, protected, rate, shown
from engine.rules.access import AGGREGATE_ONLY
from engine.store.uow import UnitOfWork

MILESTONES = ("assessment", "patto", "first_service")


@dataclass(frozen=True)
class IndicatorMap:
    """Which BPMN elements mark each milestone of a pathway (configured in workflows/), and
    which answers the results read (engine/reporting/results.py)."""

    assessment: tuple[str, ...] = ()
    patto: tuple[str, ...] = ()
    first_service: tuple[str, ...] = ()
    outcome: tuple[str, ...] = ()
    outcome_field: str = "esito"
    patto_days: int = 60
    # element that starts a service -> the service's type
    service_starts: tuple[tuple[str, str], ...] = ()
    traineeship_starts: tuple[str, ...] = ()
    traineeship_ends: tuple[str, ...] = ()  # their `result`: completato / assunzione / ...
    completed_results: tuple[str, ...] = ("completato", "assunzione")
    job_result: str = "assunzione"
    followup_28_days: tuple[str, ...] = ()  # their `employed` and `contacted`
    followup_6_months: tuple[str, ...] = ()
    dropout_outcome: str = "abbandono"

    def milestone_of(self) -> dict[str, str]:
        """Element id -> milestone name."""
        return {e: m for m in MILESTONES for e in getattr(self, m)}


@dataclass(frozen=True)
class GroupIndicators:
    """The indicators of one group of cases (or of all of them)."""

    key: str
    referrals: Cell
    closed: Cell
    assessments_judged: Cell
    assessments_in_time_pct: Cell
    days_referral_assessment: Cell
    days_assessment_patto: Cell
    days_patto_service: Cell
    pacts_in_time_pct: Cell


@dataclass(frozen=True)
class OutcomeRow:
    value: str
    total: Cell
    by_group: dict[str, Cell]


@dataclass(frozen=True)
class BacklogRow:
    """Open, overdue and escalated tasks owned by one organisation."""

    organization: str
    open: Cell
    overdue: Cell
    escalated: Cell


@dataclass(frozen=True)
class Dashboard:
    query: DashboardQuery
    aggregates_only: bool
    groups: list[GroupIndicators]
    total: GroupIndicators
    outcomes: list[OutcomeRow]
    backlog: list[BacklogRow]
    backlog_total: BacklogRow
    patto_days: int


@dataclass
class _Stats:
    """Raw figures of one group before suppression."""

    referrals: int = 0
    closed: int = 0
    judged: int = 0
    in_time: int = 0
    days: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    pacts_in_time: int = 0


def require_dashboard_reader(actor: Actor) -> None:
    """Coordinators, the Cabina di Regia and administrators read the indicators."""
    if actor.is_admin or actor.has_role("coordinator") or actor.has_role(AGGREGATE_ONLY):
        return
    raise Forbidden(f"{actor.username} may not read the indicators (coordinator role needed)")


def aggregates_only(actor: Actor) -> bool:
    """True for readers who get suppressed aggregates only (the Cabina di Regia)."""
    return not (actor.is_admin or actor.has_role("coordinator"))


def checked_reader(uow: UnitOfWork, actor: Actor, q: DashboardQuery) -> bool:
    """Check who reads and what; True when the reader gets suppressed aggregates only, and so
    whole completed quarters only (no date windows to subtract from each other)."""
    require_dashboard_reader(actor)
    q.check()
    hide = aggregates_only(actor)
    if hide:
        require_fixed_period(q, uow.now)
    return hide


def compute_dashboard(
    uow: UnitOfWork, actor: Actor, q: DashboardQuery, mapping: IndicatorMap
) -> Dashboard:
    """Referrals, deadlines, medians between milestones and outcomes, by group."""
    hide = checked_reader(uow, actor, q)
    base = case_base(q)
    stats = _gather(uow, base, mapping)
    backlog = backlog_by_organization(uow, base, uow.now)
    total = _Stats()
    for s in stats.values():
        _merge(total, s)
    masks = _masks(stats, hide)
    groups = [_group(k, stats[k], hide, mapping.patto_days, masks[k]) for k in sorted(stats)]
    return Dashboard(
        query=q,
        aggregates_only=hide,
        groups=groups,
        total=_group("*", total, hide, mapping.patto_days, set()),
        outcomes=_outcomes(uow, base, mapping, hide),
        backlog=_backlog_rows(backlog, hide),
        backlog_total=_backlog(
            (
                "*",
                sum(r[1] for r in backlog),
                sum(r[2] for r in backlog),
                sum(r[3] for r in backlog),
            ),
            hide,
        ),
        patto_days=mapping.patto_days,
    )


def _backlog(row: tuple[str, int, int, int], hide: bool) -> BacklogRow:
    org, n, late, up = row
    return BacklogRow(org, shown(n, hide), shown(late, hide), shown(up, hide))


def _backlog_rows(rows: list[tuple[str, int, int, int]], hide: bool) -> list[BacklogRow]:
    """Per organisation; each column protected as a breakdown of the total."""
    opened = protected({org: n for org, n, _late, _up in rows}, hide)
    late = protected({org: n for org, _n, n, _up in rows}, hide)
    raised = protected({org: n for org, _n, _late, n in rows}, hide)
    return [BacklogRow(org, opened[org], late[org], raised[org]) for org, *_ in rows]


def _gather(uow: UnitOfWork, base: Subquery, mapping: IndicatorMap) -> dict[str, _Stats]:
    stats: dict[str, _Stats] = defaultdict(_Stats)
    for key, (n, closed) in count_by_key(uow, base).items():
        stats[key].referrals, stats[key].closed = n, closed
    for key, (judged, in_time) in deadline_counts(uow, base, mapping.assessment, uow.now).items():
        stats[key].judged, stats[key].in_time = judged, in_time
    for _case, key, opened, reached in first_milestones(uow, base, mapping.milestone_of()):
        _add_durations(stats[key], opened, reached, mapping.patto_days)
    return stats


def _days(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 86400


def _add_durations(
    s: _Stats, opened: datetime, reached: dict[str, datetime], patto_days: int
) -> None:
    steps = [("referral", opened), *((m, reached.get(m)) for m in MILESTONES)]
    for (a, start), (b, end) in itertools.pairwise(steps):
        if start is not None and end is not None:
            s.days[f"{a}->{b}"].append(_days(start, end))
    assessed, signed = reached.get("assessment"), reached.get("patto")
    if assessed is not None and signed is not None and _days(assessed, signed) <= patto_days:
        s.pacts_in_time += 1


def _merge(total: _Stats, s: _Stats) -> None:
    total.referrals += s.referrals
    total.closed += s.closed
    total.judged += s.judged
    total.in_time += s.in_time
    total.pacts_in_time += s.pacts_in_time
    for name, values in s.days.items():
        total.days[name].extend(values)


COUNT_COLUMNS = ("referrals", "closed", "judged")


def _masks(stats: dict[str, _Stats], hide: bool) -> dict[str, set[str]]:
    """Per group, the count columns hidden so that no hidden count can be worked out."""
    masks: dict[str, set[str]] = defaultdict(set)
    for column in COUNT_COLUMNS if hide else ():
        counts = {k: getattr(s, column) for k, s in stats.items()}
        for key, value in protected(counts, hide).items():
            if value == SUPPRESSED:
                masks[key].add(column)
    return masks


def _group(key: str, s: _Stats, hide: bool, patto_days: int, masked: set[str]) -> GroupIndicators:
    pacts = len(s.days["assessment->patto"])

    def count(column: str) -> Cell:
        value: int = getattr(s, column)
        return SUPPRESSED if column in masked else shown(value, hide)

    return GroupIndicators(
        key=key,
        referrals=count("referrals"),
        closed=count("closed"),
        assessments_judged=count("judged"),
        assessments_in_time_pct=rate(s.in_time, s.judged, hide),
        days_referral_assessment=middle(s.days["referral->assessment"], hide),
        days_assessment_patto=middle(s.days["assessment->patto"], hide),
        days_patto_service=middle(s.days["patto->first_service"], hide),
        pacts_in_time_pct=rate(s.pacts_in_time, pacts, hide),
    )


def _outcomes(
    uow: UnitOfWork, base: Subquery, mapping: IndicatorMap, hide: bool
) -> list[OutcomeRow]:
    """Each case's last recorded outcome, counted overall and by group."""
    values = outcome_values(uow, base, mapping.outcome, mapping.outcome_field)
    recorded = ((c, k, v) for c, k, v in values if isinstance(v, str | int | bool) and str(v))
    by_value: dict[str, Counter[str]] = defaultdict(Counter)
    for _case, key, value in last_of_each_case(recorded):
        by_value[str(value)][key] += 1
    totals = protected({v: sum(groups.values()) for v, groups in by_value.items()}, hide)
    return [
        OutcomeRow(value, totals[value], protected(dict(sorted(groups.items())), hide))
        for value, groups in sorted(by_value.items())
    ]


def activity_counts(uow: UnitOfWork, actor: Actor, q: DashboardQuery) -> dict[str, Cell]:
    """Per BPMN element, the running cases with an open task there (the heatmap)."""
    require_dashboard_reader(actor)
    hide = aggregates_only(actor)
    return protected(dict(sorted(active_by_element(uow, case_base(q)).items())), hide)


def cell_number(value: Cell) -> Any:
    """A cell for charts: numbers as they are, anything hidden or missing as None."""
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None
