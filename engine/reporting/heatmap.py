"""Per-activity counts of running cases, to be drawn on a process's diagram."""

from __future__ import annotations

from dataclasses import dataclass

from engine.actors import Actor
from engine.errors import InvalidInput
from engine.reads.modeling import model_source
from engine.reporting.indicator_queries import DashboardQuery
from engine.reporting.indicators import activity_counts, require_dashboard_reader
from engine.reporting.suppression import Cell
from engine.store.uow import UnitOfWork


@dataclass(frozen=True)
class Heatmap:
    """The latest diagram of a process and, per element id, the cases waiting there."""

    process_id: str
    name: str
    version: int
    bpmn_xml: str
    counts: dict[str, Cell]


def process_heatmap(uow: UnitOfWork, actor: Actor, q: DashboardQuery) -> Heatmap:
    """Running cases (of any version) waiting at each element, on the latest diagram."""
    require_dashboard_reader(actor)
    if not q.process:
        raise InvalidInput("choose a process", [{"field": "process", "message": "missing"}])
    source = model_source(uow, q.process)
    return Heatmap(
        source.process_id,
        source.name,
        source.number,
        source.bpmn_xml,
        activity_counts(uow, actor, q),
    )
