"""Moving cases of the bundled main pathway to a changed version: a case in the middle of its
services (a parallel multi-instance subprocess, with boundary timers waiting on the outcome
task) moves with its open tasks; the changed cycle timer is recomputed when asked."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select

from engine.commands.accounts import load_actor
from engine.commands.migrations import migrate_cases
from engine.rules.migration_plans import MigrationPlan
from engine.store.tables import Case
from tests.workflows.conftest import ANALISI, Walk
from web.composition import bundled_files

SERVICES = [
    {"type": "tirocinio_inclusione", "end_date": "2027-12-31"},
    {"type": "formazione", "end_date": "2026-12-31"},
]


def changed_pathway() -> dict[str, bytes]:
    """The bundled models, with the main pathway's periodic check every 60 days instead of 90
    and the service's closing step renamed."""
    files = bundled_files()
    xml = files["percorso_inclusione.bpmn"].decode()
    xml = xml.replace('"R/P90D"', '"R/P60D"')
    xml = xml.replace('name="Conclusione del servizio"', 'name="Chiusura del servizio"')
    return {**files, "percorso_inclusione.bpmn": xml.encode()}


def to_services(walk: Walk, refer: Callable[..., str]) -> str:
    ref = refer("adulti", organization="comune_cremona")
    walk.do(ref, "presa_atto", {"resident": True, "adi": False})
    walk.do(ref, "analisi_preliminare", ANALISI)
    pact = {"patto_date": walk.today(), "pact_kind": "pais", "services": SERVICES}
    walk.do(ref, "progetto_sociale", pact)
    return ref


def wakeup(walk: Walk, ref: str) -> object:
    with walk.engine.uow(write=False) as uow:
        return uow.session.scalar(select(Case.next_wakeup_at).where(Case.reference == ref))


def test_a_case_amid_its_services_moves_with_its_instances_and_timers(
    walk: Walk, refer: Callable[..., str]
) -> None:
    ref = to_services(walk, refer)
    before = {t.element_id: t.id for t in walk.tasks(ref)}
    assert set(before) == {"avvio_tirocinio_inclusione", "avvio_formazione", "esito_percorso"}
    walk.deploy(files=changed_pathway())
    walk.clock.advance(days=10)
    with walk.engine.uow(write=False) as uow:
        coordinator = load_actor(uow, "roberto.villa")
    plan = MigrationPlan("percorso_inclusione", to=2, timers="recompute")

    checked = migrate_cases(walk.engine, coordinator, plan, dry_run=True)
    [case] = checked.cases
    assert case.outcome == "can_migrate", case.reasons
    kinds = {(m["from"], m["kind"]) for m in case.moves}
    assert ("attivazione_servizi", "multi-instance activity") in kinds
    assert ("ogni_90_giorni", "timer") in kinds and ("esito_percorso", "human task") in kinds

    report = migrate_cases(walk.engine, coordinator, plan, dry_run=False)

    assert [c.outcome for c in report.cases] == ["migrated"]
    assert walk.case(ref)["version"] == 2
    assert {t.element_id: t.id for t in walk.tasks(ref)} == before  # the same rows
    assert wakeup(walk, ref) == walk.clock.now + timedelta(days=60)
    walk.do(ref, "avvio_formazione", {"start_date": "2026-03-12"})
    closing = walk.task(ref, "conclusione_servizio")
    assert closing.name == "Chiusura del servizio"  # what follows comes from version 2
