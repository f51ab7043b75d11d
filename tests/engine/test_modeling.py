"""Coordinator use cases on models: catalogue, sources, deploys from the editor, diffs."""

from __future__ import annotations

import pytest

from engine import Engine
from engine.commands.modeling import deploy_edited
from engine.errors import Forbidden, ModelInvalid, ModelNotFound
from engine.reads.modeling import diff_versions, editable_source, editor_options, list_models
from tests.support import FIXTURES, Driver

V1 = (FIXTURES / "inclusione_mini.bpmn").read_text()
V2 = V1.replace('value="P60D"', 'value="P45D"')


@pytest.fixture
def drive(network: Engine) -> Driver:
    d = Driver(network)
    d.deploy("inclusione_mini.bpmn", "esito.json", as_user="clara")
    return d


def deploy(engine: Engine, xml: str, username: str = "clara", dry_run: bool = False):  # type: ignore[no-untyped-def]
    actor = Driver(engine).actor(username)
    with engine.uow() as uow:
        return deploy_edited(uow, actor, xml, dry_run=dry_run)


def test_catalogue_lists_versions_with_their_running_cases(drive: Driver, network: Engine) -> None:
    drive.start("inclusione_mini", as_user="giulia")
    assert deploy(network, V2)[0].number == 2
    drive.start("inclusione_mini", as_user="giulia")
    drive.start("inclusione_mini", as_user="giulia")
    with network.uow(write=False) as uow:
        models = list_models(uow, drive.actor("clara"))
    assert [m.process_id for m in models] == ["inclusione_mini"]
    versions = [(v.number, v.deployed_by, v.running_cases) for v in models[0].versions]
    assert versions == [(2, "clara", 2), (1, "clara", 1)]


def test_editor_deploy_validates_reports_unchanged_and_keeps_old_cases(
    drive: Driver, network: Engine
) -> None:
    old = drive.start("inclusione_mini", as_user="giulia")
    checked = deploy(network, V2, dry_run=True)
    assert (checked[0].process_id, checked[0].number) == ("inclusione_mini", 0)
    first, again = deploy(network, V2)[0], deploy(network, V2)[0]
    assert (first.number, first.created) == (2, True)
    assert (again.number, again.created) == (2, False)
    new = drive.start("inclusione_mini", as_user="giulia")
    with network.uow(write=False) as uow:
        from engine.reads.caseviews import case_detail

        clara = drive.actor("clara")
        assert case_detail(uow, clara, old)["version"] == 1
        assert case_detail(uow, clara, new)["version"] == 2


def test_validation_errors_name_their_elements(drive: Driver, network: Engine) -> None:
    broken = V1.replace('value="P60D"', 'value="sessanta giorni"').replace(
        'name="organization" value="provincia_cremona"', 'name="organization" value="nowhere"'
    )
    with pytest.raises(ModelInvalid) as err:
        deploy(network, broken, dry_run=True)
    assert {p["element_id"] for p in err.value.problems} == {"patto"}
    fixed_due = broken.replace('value="sessanta giorni"', 'value="P60D"')
    with pytest.raises(ModelInvalid) as err:
        deploy(network, fixed_due, dry_run=True)
    assert [p["element_id"] for p in err.value.problems] == ["avvio_servizio"]
    with pytest.raises(ModelInvalid, match="process id"):
        deploy(network, V1.replace('process id="inclusione_mini"', 'process id="1 bad"'))


def test_only_coordinators_edit_models(drive: Driver, network: Engine) -> None:
    with pytest.raises(Forbidden):
        deploy(network, V2, username="giulia")
    with network.uow(write=False) as uow, pytest.raises(Forbidden):
        list_models(uow, drive.actor("marco"))


def test_sources_options_and_diff(drive: Driver, network: Engine) -> None:
    deploy(network, V2)
    clara = drive.actor("clara")
    with network.uow(write=False) as uow:
        assert editable_source(uow, clara, "inclusione_mini").number == 2
        source = editable_source(uow, clara, "inclusione_mini", 1)
        assert (source.number, source.latest_number, source.bpmn_xml) == (1, 2, V1)
        with pytest.raises(ModelNotFound, match="no version 7"):
            editable_source(uow, clara, "inclusione_mini", 7)
        options = editor_options(uow, clara)
        diff = diff_versions(uow, clara, "inclusione_mini", 1, 2)
    # only the roles that work on tasks are offered (not the Cabina di Regia, nor auditors)
    assert "cabina_viewer" not in options.roles and "auditor" not in options.roles
    assert "case_manager" in options.roles and len(options.roles) == 10
    assert ("cav_aida", "Cav Aida") in options.organizations
    assert list(options.forms) == ["esito.json"]
    assert [(c.element.element_id, [f.field for f in c.changes]) for c in diff.changed] == [
        ("patto", ["property:dueIn"])
    ]
