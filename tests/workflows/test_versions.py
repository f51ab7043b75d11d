"""The changed pathways deploy as new versions: running cases stay on theirs."""

from __future__ import annotations

from collections.abc import Callable

from engine.commands.deployment import deploy_model
from tests.workflows.conftest import Walk
from web.composition import bundled_files


def test_a_running_case_stays_on_its_version_when_the_pathway_changes(
    walk: Walk, refer: Callable[..., str]
) -> None:
    old = refer("adulti")
    files = bundled_files()
    main = files["percorso_inclusione.bpmn"]
    files["percorso_inclusione.bpmn"] = main.replace(
        b'<spiffworkflow:property name="dueIn" value="P7D" />',
        b'<spiffworkflow:property name="dueIn" value="P5D" />',
        1,
    )
    with walk.engine.uow() as uow:
        deployed = {d.process_id: d for d in deploy_model(uow, files, walk.actor(None))}
    assert deployed["percorso_inclusione"].number == 2 and deployed["percorso_inclusione"].created
    assert not deployed["percorso_violenza"].created  # unchanged: no new version
    new = refer("adulti")
    assert walk.task(old, "presa_atto").due_at == walk.in_days(7)  # as version 1 said
    assert walk.task(new, "presa_atto").due_at == walk.in_days(5)
    walk.do(old, "presa_atto", {"resident": True, "adi": False})
    assert walk.open_elements(old) == ["analisi_preliminare"]  # it goes on, on version 1
