"""Findings 3 and 4 of the red-team pass: restriction is structural (declared by the pathway,
applied at creation before any model code runs), start data cannot shadow helpers, and the
violence entry rule holds on every way in, enforced by the engine."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine import Engine
from engine.commands.accounts import create_user, ensure_organization
from engine.errors import Forbidden, InvalidInput, ModelInvalid
from engine.store.tables import Case, Incident
from tests.support import FIXTURES, Driver

RESTRICTED_PROPERTY = (
    "<bpmn:extensionElements><spiffworkflow:properties>"
    '<spiffworkflow:property name="{name}" value="{value}" />'
    "</spiffworkflow:properties></bpmn:extensionElements>"
)


def with_process_property(fixture: str, process_id: str, name: str, value: str) -> bytes:
    """A fixture model whose process carries a process-level property."""
    text = (FIXTURES / fixture).read_text()
    head = f'<bpmn:process id="{process_id}" name='
    start = text.index(head)
    end = text.index(">", start) + 1
    prop = RESTRICTED_PROPERTY.format(name=name, value=value)
    return (text[:end] + prop + text[end:]).encode()


def failing_restricted_model(script: str = "x = date(2026, 1, 1)") -> dict[str, bytes]:
    """A restricted pathway whose first step is a script (here: one that uses a helper)."""
    text = with_process_property("script_task.bpmn", "script_task", "restricted", "true").decode()
    return {"script_task.bpmn": text.replace("SCRIPT", script).encode()}


@pytest.fixture
def drive(network: Engine) -> Driver:
    with network.uow() as uow:
        ensure_organization(uow, "cgil", "CGIL")
        create_user(uow, "carla", memberships=[("cgil", "equipe_member")])
        create_user(uow, "anna", memberships=[("cav_aida", "cav_operator")])
        uow.commit()
    return Driver(network)


def restricted_flag(drive: Driver, ref: str) -> bool:
    with drive.engine.uow(write=False) as uow:
        return bool(uow.session.scalar(select(Case.restricted).where(Case.reference == ref)))


def test_a_restricted_pathway_restricts_its_case_even_when_its_scripts_fail(
    drive: Driver,
) -> None:
    drive.deploy(files=failing_restricted_model("x = missing_name + 1"))
    ref = drive.start("script_task", {}, as_user="anna", organization="cav_aida")
    drive.complete(ref, "fill", {"amount": 1})
    with drive.engine.uow(write=False) as uow:
        incidents = uow.session.scalars(select(Incident.element_id)).all()
    assert incidents == ["compute"]
    assert restricted_flag(drive, ref) is True


def test_start_data_that_shadows_a_helper_is_refused_naming_the_key(drive: Driver) -> None:
    """The original attack: `date` in the start data made the restricting script fail."""
    drive.deploy(files=failing_restricted_model())
    with pytest.raises(InvalidInput) as err:
        drive.start("script_task", {"date": "x", "len": 1}, as_user="anna", organization="cav_aida")
    assert {p["field"] for p in err.value.problems} == {"date", "len"}
    assert "date" in str(err.value) and "reserved" in str(err.value)
    for engine_name in ("case_reference", "referring_organization", "_getattr_"):
        with pytest.raises(InvalidInput):
            drive.start("script_task", {engine_name: "x"}, as_user="anna", organization="cav_aida")


def test_target_groups_restrict_at_creation_before_model_code(drive: Driver) -> None:
    model = with_process_property(
        "three_tasks.bpmn", "three_tasks", "restrictedTargetGroups", "violenza, tratta"
    )
    drive.deploy(files={"three_tasks.bpmn": model, **_intake()})
    violence = drive.start("three_tasks", {"target_group": "violenza"}, organization="cav_aida")
    other = drive.start("three_tasks", {"target_group": "giovani"}, organization="cav_aida")
    assert restricted_flag(drive, violence) is True
    assert restricted_flag(drive, other) is False


def _intake() -> dict[str, bytes]:
    return {"intake.json": (FIXTURES / "forms" / "intake.json").read_bytes()}


@pytest.mark.parametrize("who", ["carla", "marco"])
def test_only_the_cav_or_the_social_service_open_a_restricted_pathway(
    drive: Driver, who: str
) -> None:
    drive.deploy(files=failing_restricted_model("x = 1"))
    model = with_process_property(
        "three_tasks.bpmn", "three_tasks", "restrictedTargetGroups", "violenza"
    )
    drive.deploy(files={"three_tasks.bpmn": model, **_intake()})
    with pytest.raises(Forbidden, match="restricted"):
        drive.start("script_task", {}, as_user=who)
    with pytest.raises(Forbidden, match="restricted"):
        drive.start("three_tasks", {"target_group": "violenza"}, as_user=who)
    with drive.engine.uow(write=False) as uow:
        assert uow.session.scalars(select(Case)).all() == []
    assert drive.start("three_tasks", {"target_group": "giovani"}, as_user=who)


def test_the_entry_rule_holds_through_a_call_activity(drive: Driver) -> None:
    child = with_process_property("child.bpmn", "child", "restricted", "true")
    drive.deploy(
        files={"child.bpmn": child, "parent.bpmn": (FIXTURES / "parent.bpmn").read_bytes()}
    )
    ref = drive.start("parent", {}, as_user="carla")
    assert restricted_flag(drive, ref) is False
    with pytest.raises(Forbidden, match="restricted"):
        drive.complete(ref, "before")
    assert drive.open_elements(ref) == ["before"]  # the command was rolled back whole

    allowed = drive.start("parent", {}, as_user="giulia")
    drive.complete(allowed, "before", as_user="giulia")
    assert drive.open_elements(allowed) == ["child_task"]
    assert restricted_flag(drive, allowed) is True


def test_deploy_refuses_a_malformed_restricted_property(drive: Driver) -> None:
    model = with_process_property("three_tasks.bpmn", "three_tasks", "restricted", "yes please")
    with pytest.raises(ModelInvalid, match="restricted must be true or false"):
        drive.deploy(files={"three_tasks.bpmn": model, **_intake()})
