"""A task's organisation as an expression over the case data: checked at deploy, evaluated when
the task opens, routed to the case's owner (with an incident) when it fails."""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

import pytest
from sqlalchemy import select

from engine.errors import ModelInvalid
from engine.store.tables import Incident
from tests.support import Driver, fixture_files

ORG = b'<spiffworkflow:property name="organization" value="comune_cremona" />'


def three_tasks(organization: str) -> dict[str, bytes]:
    files = fixture_files("three_tasks.bpmn", "intake.json")
    value = f'<spiffworkflow:property name="organization" value={quoteattr(organization)} />'
    files["three_tasks.bpmn"] = files["three_tasks.bpmn"].replace(ORG, value.encode(), 1)
    return files


@pytest.mark.parametrize(
    ("organization", "message"),
    [
        ("comune_cremna", "not an organisation of the network, nor a name the case data holds"),
        ("case_owner +", "the organization expression has an error: «case_owner +»"),
    ],
)
def test_deploy_refuses_an_organisation_that_names_nothing(
    network: object, organization: str, message: str
) -> None:
    drive = Driver(network)
    with pytest.raises(ModelInvalid) as refused:
        drive.deploy(files=three_tasks(organization))
    assert any(message in p["message"] for p in refused.value.problems)
    assert {p["element_id"] for p in refused.value.problems} == {"intake"}


def test_the_case_owner_and_expressions_over_the_data(network: object) -> None:
    drive = Driver(network)
    drive.deploy(files=three_tasks("case_owner"))
    ref = drive.start("three_tasks", as_user="giulia")  # no caseOwner: the referrer owns it
    assert drive.task(ref, "intake").organization == "comune_cremona"
    drive.deploy(files=three_tasks('"provincia_cremona" if urgent else case_owner'))
    urgent = drive.start("three_tasks", {"urgent": True}, as_user="giulia")
    assert drive.task(urgent, "intake").organization == "provincia_cremona"


def test_a_failing_expression_goes_to_the_owner_with_an_incident(network: object) -> None:
    drive = Driver(network)
    drive.deploy(files=three_tasks("office[0]"))  # a name the data does not hold
    ref = drive.start("three_tasks", as_user="giulia")
    assert drive.task(ref, "intake").organization == "comune_cremona"  # the owner has it
    with drive.engine.uow(write=False) as uow:  # type: ignore[attr-defined]
        [incident] = uow.session.scalars(select(Incident)).all()
        assert incident.kind == "organization" and "office" in incident.error
