"""Finding 12 (first part) of the red-team pass: reading the diagram, or the per-case export,
of a restricted case is audited like every other read of it."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select

from engine.store.tables import Case, CaseEvent
from tests.support import open_ui_session
from tests.web.conftest import Api


def reads_of(api: Api, reference: str) -> list[tuple[str, dict[str, Any]]]:
    with api.engine.uow(write=False) as uow:
        case_id = uow.session.scalar(select(Case.id).where(Case.reference == reference))
        events = uow.session.execute(
            select(CaseEvent.actor_name, CaseEvent.payload)
            .where(CaseEvent.case_id == case_id, CaseEvent.kind == "restricted_case_read")
            .order_by(CaseEvent.seq)
        ).all()
        return [(who, dict(payload or {})) for who, payload in events]


def test_reading_a_restricted_cases_diagram_or_export_is_audited(api: Api, app: Flask) -> None:
    body = {"process_id": "three_tasks", "data": {"restricted": True}, "organization": "cav_aida"}
    restricted = api.as_("anna").post("/api/v1/cases", json=body).json["reference"]
    plain = api.start()
    client = app.test_client()
    open_ui_session(client, api.engine, "clara")
    before = len(reads_of(api, restricted))  # the start's answer was a read by the CAV

    diagram = client.get(f"/cases/{restricted}/diagram.xml")
    assert diagram.status_code == 200 and b"three_tasks" in diagram.data
    assert reads_of(api, restricted)[before:] == [("clara", {"what": "diagram"})]
    assert client.get(f"/cases/{plain}/diagram.xml").status_code == 200
    assert reads_of(api, plain) == []

    export = client.get("/dashboard/export.csv?kind=cases")
    assert export.status_code == 200 and restricted in export.text
    assert reads_of(api, restricted)[-1] == ("clara", {"what": "export"})
    assert reads_of(api, plain) == []


def test_a_case_list_shows_the_cav_operator_her_cases_names_each_read_audited(
    api: Api, app: Flask
) -> None:
    references = []
    for given in ("Maria", "Lucia"):
        body = {
            "process_id": "three_tasks",
            "data": {"restricted": True, "subject": {"given_name": given, "family_name": "Neri"}},
            "organization": "cav_aida",
        }
        references.append(api.as_("anna").post("/api/v1/cases", json=body).json["reference"])
    before = {ref: len(reads_of(api, ref)) for ref in references}
    client = app.test_client()
    open_ui_session(client, api.engine, "anna")
    page = client.get("/cases").get_data(as_text=True)
    assert "Maria Neri" in page and "Lucia Neri" in page
    for ref in references:  # one audited read each, written together
        assert reads_of(api, ref)[before[ref] :] == [
            ("anna", {"what": "case_list", "identity_shown": True})
        ]
