"""Deploy refuses the shapes a case could not get through, naming each element by its name,
with a code the UI words in the reader's language."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from engine import Engine
from engine.commands.accounts import load_actor
from engine.commands.modeling import deploy_edited
from engine.errors import ModelInvalid
from tests.support import FIXTURES, Driver, checked, fixture_files

TIMER = (FIXTURES / "timer_wait.bpmn").read_text(encoding="utf-8")
THREE = (FIXTURES / "three_tasks.bpmn").read_text(encoding="utf-8")


def refused(drive: Driver, name: str, xml: str) -> list[dict[str, Any]]:
    with pytest.raises(ModelInvalid) as caught:
        drive.deploy(files={**fixture_files("intake.json"), name: xml.encode()}, as_user="clara")
    return caught.value.problems


@pytest.fixture
def drive(network: Engine) -> Driver:
    return Driver(network)


@pytest.mark.parametrize(
    ("text", "kind"),
    [('"every hour"', "timeDuration"), ('"31/01/2026"', "timeDate"), ('"P1D"', "timeCycle")],
)
def test_a_timer_that_does_not_parse_is_named(drive: Driver, text: str, kind: str) -> None:
    xml = TIMER.replace(
        '<bpmn:timeDuration>"PT1H"</bpmn:timeDuration>', f"<bpmn:{kind}>{text}</bpmn:{kind}>"
    )
    [found] = refused(drive, "timer_wait.bpmn", xml)
    assert (found["element_id"], found["name"], found["code"]) == ("wait", "One hour", "bad_timer")
    assert found["params"]["kind"] == kind
    assert "One hour: the timer" in found["message"]


def test_a_timer_expression_over_case_data_is_left_to_the_sandbox_check(drive: Driver) -> None:
    xml = TIMER.replace('"PT1H"', "deadline")
    drive.deploy(files={"timer_wait.bpmn": xml.encode()}, as_user="clara")


def test_a_call_activity_naming_no_deployed_process_is_refused(drive: Driver) -> None:
    xml = (FIXTURES / "parent.bpmn").read_text(encoding="utf-8")
    problems = refused(drive, "parent.bpmn", xml)
    assert {p["code"] for p in problems} == {"unknown_call"}
    drive.deploy("child.bpmn", as_user="clara")
    drive.deploy("parent.bpmn", as_user="clara")  # the called process is deployed now


def test_a_message_nothing_waits_for_is_refused_until_a_catcher_is_deployed(
    drive: Driver,
) -> None:
    xml = (FIXTURES / "message_throw.bpmn").read_text(encoding="utf-8")
    [found] = refused(drive, "message_throw.bpmn", xml)
    assert (found["code"], found["name"], found["params"]["value"]) == (
        "message_not_caught",
        "Send outcome",
        "esito_cpi",
    )
    drive.deploy("message_catch.bpmn", as_user="clara")
    drive.deploy("message_throw.bpmn", as_user="clara")


def test_a_task_offered_to_a_read_only_role_is_refused(drive: Driver) -> None:
    xml = THREE.replace('value="case_manager"', 'value="cabina_viewer"', 1)
    problems = refused(drive, "three_tasks.bpmn", xml)
    assert [(p["code"], p["params"]["value"]) for p in problems] == [
        ("unknown_role", "cabina_viewer")
    ]


def test_the_modeler_needs_a_form_a_due_date_and_groups_on_tasks_it_draws(
    drive: Driver, network: Engine
) -> None:
    drive.deploy("three_tasks.bpmn", "intake.json", as_user="clara")
    renamed = THREE.replace('name="Assess"', 'name="Primo colloquio"', 1)
    with network.uow() as uow:  # tasks already published keep what they had
        deploy_edited(uow, load_actor(uow, "clara"), renamed, dry_run=True)
    drawn = renamed.replace('id="assess"', 'id="colloquio"').replace(">assess<", ">colloquio<")
    drawn = drawn.replace('Ref="assess"', 'Ref="colloquio"')
    with network.uow() as uow, pytest.raises(ModelInvalid) as caught:
        deploy_edited(uow, load_actor(uow, "clara"), drawn, dry_run=True)
    codes = {(p["name"], p["code"]) for p in caught.value.problems}
    assert ("Primo colloquio", "task_no_form") in codes
    assert all(name == "Primo colloquio" for name, _code in codes)


def test_a_task_drawn_without_a_name_is_refused_and_said_in_words(
    drive: Driver, network: Engine, app: Any
) -> None:
    from web.ui.modelwords import worded

    drive.deploy("three_tasks.bpmn", "intake.json", as_user="clara")
    drawn = THREE.replace('id="assess" name="Assess"', 'id="Activity_0k2j3"')
    drawn = drawn.replace(">assess<", ">Activity_0k2j3<").replace(
        'Ref="assess"', 'Ref="Activity_0k2j3"'
    )
    with network.uow() as uow, pytest.raises(ModelInvalid) as caught:
        deploy_edited(uow, load_actor(uow, "clara"), drawn, dry_run=True)
    problems = caught.value.problems
    assert "task_no_name" in {p["code"] for p in problems}
    assert all("Activity_0k2j3" not in p["message"] for p in problems)
    unnamed = next(p for p in problems if p["code"] == "task_no_name")
    assert unnamed["message"].startswith("the unnamed user task after «Intake» is a user task")
    with app.test_request_context(headers={"Accept-Language": "it"}):
        said = worded([unnamed])[0]["text"]
    assert said == (
        "Attività utente senza nome dopo «Intake» è un'attività senza nome: "
        "gli operatori non saprebbero che cosa fare."
    )


def test_model_code_calling_an_unknown_helper_is_named(drive: Driver) -> None:
    xml = (FIXTURES / "script_task.bpmn").read_text(encoding="utf-8")
    script = xml.split("<bpmn:script>", 1)[1].split("</bpmn:script>", 1)[0]
    broken = xml.replace(script, script + "\nvalue = send_sms(1)\nother = len([])")
    problems = refused(drive, "script_task.bpmn", broken)
    assert [(p["code"], p["params"]["value"]) for p in problems] == [("unknown_helper", "send_sms")]
    assert "is not a helper model code may use" in problems[0]["message"]


def test_an_unnamed_script_task_calling_an_unknown_helper_is_said_in_words(
    network: Engine, client: FlaskClient
) -> None:
    xml = (FIXTURES / "script_task.bpmn").read_text(encoding="utf-8")
    drawn = xml.replace(' name="Compute"', "").replace('"compute"', '"Activity_0x1b2"')
    drawn = drawn.replace("SCRIPT", "value = send_sms(1)")

    body, texts = checked(network, client, drawn)

    said = "the unnamed script task after «Fill»"
    assert body["detail"] == (
        f"model.bpmn: 1 problem(s); first: {said} calls 'send_sms', "
        "which is not a helper model code may use"
    )
    assert body["errors"] == [
        {
            "file": "model.bpmn",
            "element_id": "Activity_0x1b2",
            "name": said,
            "code": "unknown_helper",
            "params": {"name": said, "value": "send_sms", "kind": ""},
            "message": f"{said} calls 'send_sms', which is not a helper model code may use",
            "label": {"kind": "scriptTask", "after": ["Fill"]},
        }
    ]
    assert texts == [  # the Modeler's check, in the reader's language
        "Attività script senza nome dopo «Fill» usa «send_sms», "
        "che non è una funzione a disposizione dei modelli."
    ]


def test_the_engine_problems_are_worded_in_italian_and_english(app: Any) -> None:
    from web.ui.modelwords import worded

    found = {"code": "no_incoming", "params": {"name": "Colloquio"}, "message": "x"}
    with app.test_request_context(headers={"Accept-Language": "it"}):
        assert (
            worded([found])[0]["text"]
            == "«Colloquio» non ha un flusso in entrata: nessun passo vi conduce."
        )
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert (
            worded([found])[0]["text"] == "“Colloquio” has no incoming flow: no step leads to it."
        )


def test_prova_runs_the_edited_model_and_keeps_nothing(drive: Driver, network: Engine) -> None:
    from sqlalchemy import func, select

    from engine.commands.trial import try_model
    from engine.store.tables import Case, CaseEvent, HumanTask, Outbox, ProcessVersion

    drive.deploy("three_tasks.bpmn", "intake.json", as_user="clara")
    edited = THREE.replace('value="P10D"', 'value="P3D"', 1)

    def counts() -> list[int]:
        with network.uow(write=False) as uow:
            return [
                uow.session.scalar(select(func.count()).select_from(t)) or 0
                for t in (Case, HumanTask, ProcessVersion, CaseEvent, Outbox)
            ]

    before = counts()
    with network.uow() as uow:
        trial = try_model(uow, load_actor(uow, "clara"), edited, {}, None, steps=1)
    assert trial.problem is None, trial.problem
    assert "intake" in trial.done and [t.element_id for t in trial.tasks] == ["assess"]
    assert counts() == before  # no case, task, version, event or message is left
    # the real deploy of another diagram is version 2 (its row may reuse the trial's id: the
    # specs cached for the trial are forgotten, so a case runs what was published)
    published = THREE.replace('value="P10D"', 'value="P5D"', 1)
    with network.uow() as uow:
        assert deploy_edited(uow, load_actor(uow, "clara"), published)[0].number == 2
    ref = drive.start("three_tasks", as_user="giulia")
    [intake] = [t for t in drive.tasks(ref) if t.element_id == "intake"]
    assert intake.due_at is not None
    with network.uow(write=False) as uow:
        assert intake.due_at == uow.now + timedelta(days=5)


SCRIPT = (FIXTURES / "script_task.bpmn").read_text(encoding="utf-8").replace("SCRIPT", "x = 1")
SCRIPT_TASK = '<bpmn:scriptTask id="compute" name="Compute">'
WORK = "<bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>"
TWO_STARTS = (
    '<bpmn:startEvent id="s1"><bpmn:outgoing>s1e</bpmn:outgoing></bpmn:startEvent>'
    '<bpmn:startEvent id="s2"><bpmn:outgoing>s2e</bpmn:outgoing></bpmn:startEvent>'
    '<bpmn:endEvent id="e"><bpmn:incoming>s1e</bpmn:incoming><bpmn:incoming>s2e</bpmn:incoming>'
    '</bpmn:endEvent><bpmn:sequenceFlow id="s1e" sourceRef="s1" targetRef="e" />'
    '<bpmn:sequenceFlow id="s2e" sourceRef="s2" targetRef="e" />'
)


def instead_of_compute(element: str) -> str:
    """The script task model with «Compute» drawn as `element` (its flows kept)."""
    tag = element.split(">", 1)[0].split()[0].removeprefix("<")
    start, rest = SCRIPT.split(SCRIPT_TASK, 1)
    end = rest.split("</bpmn:scriptTask>", 1)[1]
    return f"{start}{element.replace('WORK', WORK)}</{tag}>{end}"


@pytest.mark.parametrize(
    ("xml", "element", "code", "message", "text"),
    [
        (
            (FIXTURES / "condition.bpmn").read_text(encoding="utf-8")
            .replace(' default="no"', "").replace("CONDITION", "go == True"),
            "no", "flow_no_condition",
            "the unnamed flow from «Fill» to «Refused» leaves an exclusive gateway without a "
            "condition and is not its default flow",
            "Flusso senza nome da «Fill» a «Refused» esce da un gateway esclusivo senza "
            "condizione e non è il flusso predefinito: aggiungi una condizione o rendilo il "
            "flusso predefinito.",
        ),
        (
            instead_of_compute('<bpmn:serviceTask id="compute" name="Compute">WORK'),
            "compute", "service_missing", "Compute is a service task that calls no service",
            "«Compute» è un'attività di servizio che non richiama alcun servizio.",
        ),
        (
            instead_of_compute('<bpmn:callActivity id="compute" name="Compute">WORK'),
            "compute", "call_no_process", "Compute is a call activity that names no process "
            "to call",
            "«Compute» non indica quale processo richiamare.",
        ),
        (
            instead_of_compute(f'<bpmn:subProcess id="compute" name="Compute">WORK{TWO_STARTS}'),
            "compute", "subprocess_start",
            "Compute is a subprocess that needs exactly one start event",
            "«Compute» è un sottoprocesso: deve avere un solo evento di inizio.",
        ),
    ],
    ids=["flow without condition", "no service", "no called process", "two starts"],
)  # fmt: skip
def test_what_spiffworkflow_refuses_is_said_in_words(
    network: Engine,
    client: FlaskClient,
    xml: str,
    element: str,
    code: str,
    message: str,
    text: str,
) -> None:
    body, texts = checked(network, client, xml)
    [found] = body["errors"]
    assert (found["element_id"], found["code"], found["message"]) == (element, code, message)
    assert texts == [text]
