"""Start data the engine adds, and flags a model sets in its first step."""

from __future__ import annotations

import pytest

from engine import Engine
from engine.errors import InvalidInput
from engine.reads.queries import find_case
from engine.rules.progress import load_instance
from tests.support import Driver


@pytest.fixture
def drive(network: Engine) -> Driver:
    driver = Driver(network)
    driver.deploy("restricting_script.bpmn")
    return driver


def data_of(drive: Driver, ref: str) -> dict[str, object]:
    with drive.engine.uow(write=False) as uow:
        return load_instance(uow, find_case(uow, ref)).data


def test_referring_organization_comes_from_the_case_not_the_input(drive: Driver) -> None:
    with pytest.raises(InvalidInput, match="referring_organization"):
        drive.start(
            "restricting_script",
            {"referring_organization": "cav_aida"},
            organization="asst_cremona",
        )
    ref = drive.start("restricting_script", {}, organization="asst_cremona")
    assert data_of(drive, ref)["referring_organization"] == "asst_cremona"
    assert drive.case(ref)["restricted"] is False
    anonymous = drive.start("restricting_script", {})
    assert data_of(drive, anonymous)["referring_organization"] is None


def test_a_script_in_the_first_step_restricts_the_case_at_once(drive: Driver) -> None:
    ref = drive.start("restricting_script", {}, organization="cav_aida")
    view = drive.case(ref)
    assert view["restricted"] is True and view["status"] == "running"
    assert [t["element_id"] for t in view["open_tasks"]] == ["first"]
