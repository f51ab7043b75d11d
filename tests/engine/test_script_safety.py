"""Hostile model code ends as a deploy error or an incident; the case stays intact and no file
is touched. Retrying an incident moves the case on once the cause is gone."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from sqlalchemy import select

from engine import Engine, Settings
from engine.commands.cases import retry_incident
from engine.errors import ModelInvalid
from engine.reads.queries import find_case
from engine.rules.progress import load_instance
from engine.store.tables import HumanTask, Incident
from tests.support import FIXTURES, Driver, FakeClock

SCRIPT_BPMN = (FIXTURES / "script_task.bpmn").read_text()


def script_model(script: str) -> dict[str, bytes]:
    return {"script_task.bpmn": SCRIPT_BPMN.replace("SCRIPT", escape(script)).encode()}


def gateway_model(condition: str) -> dict[str, bytes]:
    text = (FIXTURES / "condition.bpmn").read_text().replace("CONDITION", escape(condition))
    return {"condition.bpmn": text.encode()}


def timer_model(expression: str) -> dict[str, bytes]:
    text = (FIXTURES / "timer_expression.bpmn").read_text().replace("TIMER", escape(expression))
    return {"timer_expression.bpmn": text.encode()}


@pytest.fixture
def drive(network: Engine) -> Driver:
    return Driver(network)


def open_incidents(drive: Driver, reference: str) -> list[Incident]:
    with drive.engine.uow(write=False) as uow:
        case = find_case(uow, reference)
        found = list(
            uow.session.scalars(
                select(Incident).where(Incident.case_id == case.id, Incident.resolved_at.is_(None))
            )
        )
        uow.session.expunge_all()  # keep the loaded rows readable after the read-only uow ends
        return found


def assert_intact(drive: Driver, reference: str, open_elements: list[str]) -> None:
    """The case still runs, loads from its stored state and shows the expected open tasks."""
    view = drive.case(reference)
    assert view["status"] == "running"
    assert drive.open_elements(reference) == open_elements
    with drive.engine.uow(write=False) as uow:
        assert not load_instance(uow, find_case(uow, reference)).completed


def run_script(drive: Driver, script: str) -> str:
    drive.deploy(files=script_model(script))
    ref = drive.start("script_task")
    drive.complete(ref, "fill", {"amount": 3})
    return ref


@pytest.mark.parametrize(
    ("script", "reason"),
    [
        ("import os\nos.system('touch /tmp/percorsi-pwned')", "import is not allowed"),
        ("from os import system", "import is not allowed"),
        ("x = ().__class__.__base__.__subclasses__()", "__class__"),
        ("x = __builtins__", "__builtins__"),
        ("g = (i for i in [1])\nf = g.gi_frame.f_globals", "gi_frame"),
        ("x = (lambda a=1: a).__defaults__", "__defaults__"),
        ("x = f'{amount.__class__}'", "__class__"),
        ("x = 10 ** 10 ** 10", "power above"),
        ("x = 'a' * 10 ** 10", "sequence of"),
        ("x = f'{amount:>100000000}'", "huge width"),
    ],
)
def test_code_that_can_be_seen_to_be_hostile_is_refused_at_deploy(
    drive: Driver, script: str, reason: str
) -> None:
    with pytest.raises(ModelInvalid) as err:
        drive.deploy(files=script_model(script))
    [problem] = err.value.problems
    assert problem["element_id"] == "compute"
    assert problem["file"] == "script_task.bpmn"
    assert reason in problem["message"]


@pytest.mark.parametrize(
    ("script", "error"),
    [
        ("x = open('/etc/passwd').read()", "open"),
        ("x = '{0.__class__}'.format(amount)", "format"),
        ("x = str.format_map('{a.__class__}', {'a': amount})", "format"),
        ("x = getattr(amount, '__class__')", "getattr"),
        ("x = type(amount)", "type"),
        ("x = vars()", "vars"),
        ("x = globals()", "globals"),
        ("x = Exception.mro()", "mro"),
        ("raise SystemExit(1)", "SystemExit"),
        ("class Evil(dict):\n    pass", "__build_class__"),
        ("while True: pass", "longer than"),
        ("try:\n    while True: pass\nexcept:\n    pass\nwhile True: pass", "longer than"),
        ("try:\n    while True: pass\nfinally:\n    while True: pass", "longer than"),
        ("f = lambda n: 0 if n == 0 else f(n - 1) + f(n - 1)\nx = f(60)", "longer than"),
        ("x = [0 for i in range(10 ** 6) for j in range(10 ** 6)]", "longer than"),
        ("x = sum(range(10 ** 12))", "sequence of"),
        ("n = amount * 10 ** 9\nx = 'a' * n", "sequence of"),
        ("x = 'a'.ljust(amount * 10 ** 9)", "sequence of"),
        ("x = '%*d' % (10 ** 9, 1)", "huge width"),
        ("x = sum([[1]], [])", "numbers only"),
    ],
)
def test_hostile_code_at_run_time_becomes_an_incident(
    drive: Driver, script: str, error: str
) -> None:
    ref = run_script(drive, script)
    [incident] = open_incidents(drive, ref)
    assert incident.element_id == "compute"
    assert incident.kind == "script"
    assert error in incident.error
    assert_intact(drive, ref, [])
    with drive.engine.uow(write=False) as uow:
        fill = uow.session.scalar(select(HumanTask).where(HumanTask.element_id == "fill"))
        assert fill is not None and fill.status == "completed"
    kinds = [h["kind"] for h in drive.case(ref)["history"]]
    assert kinds.count("task_completed") == 1 and "incident_opened" in kinds


def test_writing_a_file_is_refused_and_nothing_is_written(drive: Driver, tmp_path: Path) -> None:
    target = tmp_path / "pwned"
    ref = run_script(drive, f"f = open({str(target)!r}, 'w')\nf.write('x')")
    [incident] = open_incidents(drive, ref)
    assert "open" in incident.error
    assert not target.exists()
    assert_intact(drive, ref, [])


def test_safe_scripts_still_work(drive: Driver) -> None:
    script = (
        "total = amount * 2 + 2 ** 10\n"
        "label = '%s-%d' % ('n', amount) + f'{amount:>4}' + '-'.join(['a', 'b'])\n"
        "year = datetime.strptime('2026-03-02', '%Y-%m-%d').strftime('%Y')\n"
        "squares = [i * i for i in range(amount)]\n"
        "i = 0\n"
        "while i < 3:\n"
        "    i += 1\n"
        "try:\n"
        "    boom = 1 / 0\n"
        "except ZeroDivisionError:\n"
        "    caught = True\n"
    )
    ref = run_script(drive, script)
    assert open_incidents(drive, ref) == []
    assert drive.open_elements(ref) == ["review"]
    with drive.engine.uow(write=False) as uow:
        data = load_instance(uow, find_case(uow, ref)).ready_human_tasks()[0].data
    assert data["total"] == 1030
    assert data["label"] == "n-3   3a-b"
    assert data["year"] == "2026"
    assert data["squares"] == [0, 1, 4]
    assert data["caught"] is True and data["i"] == 3


@pytest.mark.parametrize(
    ("condition", "reason"),
    [
        ("__import__('os').system('id')", "__import__"),
        ("().__class__.__base__.__subclasses__()", "__class__"),
        ("import os", "invalid syntax"),
        ("10 ** 10 ** 10 > 1", "power above"),
    ],
)
def test_hostile_gateway_condition_is_refused_at_deploy(
    drive: Driver, condition: str, reason: str
) -> None:
    with pytest.raises(ModelInvalid) as err:
        drive.deploy(files=gateway_model(condition))
    [problem] = err.value.problems
    assert problem["element_id"] == "gw"
    assert reason in problem["message"]


@pytest.mark.parametrize(
    ("condition", "error"),
    [
        ("open('/etc/passwd').read() != ''", "open"),
        ("len([0 for i in range(10 ** 6) for j in range(10 ** 6)]) > 0", "longer than"),
        ("'{0.__class__}'.format(go) != ''", "format"),
    ],
)
def test_hostile_gateway_condition_at_run_time_becomes_an_incident(
    drive: Driver, condition: str, error: str
) -> None:
    drive.deploy(files=gateway_model(condition))
    ref = drive.start("condition")
    drive.complete(ref, "fill", {"go": True})
    [incident] = open_incidents(drive, ref)
    assert incident.element_id == "gw"
    assert error in incident.error
    assert_intact(drive, ref, [])


@pytest.mark.parametrize(
    ("expression", "error"),
    [
        ("open('/etc/passwd').read()", "open"),
        ("'P' + str(len([0 for i in range(10 ** 6) for j in range(10 ** 6)])) + 'D'", "longer"),
    ],
)
def test_hostile_timer_expression_becomes_an_incident(
    drive: Driver, expression: str, error: str
) -> None:
    drive.deploy(files=timer_model(expression))
    ref = drive.start("timer_expression")
    drive.complete(ref, "fill")
    [incident] = open_incidents(drive, ref)
    assert incident.element_id == "wait"
    assert error in incident.error
    assert_intact(drive, ref, [])


def test_hostile_timer_expression_is_refused_at_deploy(drive: Driver) -> None:
    with pytest.raises(ModelInvalid) as err:
        drive.deploy(files=timer_model("().__class__.__mro__"))
    assert err.value.problems[0]["element_id"] == "wait"


def test_hostile_due_in_expression_leaves_the_task_without_a_due_date(drive: Driver) -> None:
    text = SCRIPT_BPMN.replace(
        '<spiffworkflow:property name="candidateGroups" value="case_manager" /></spiffworkflow'
        ":properties></bpmn:extensionElements><bpmn:incoming>f1",
        '<spiffworkflow:property name="candidateGroups" value="case_manager" />'
        '<spiffworkflow:property name="dueIn" value="open(\'/etc/passwd\').read()" />'
        "</spiffworkflow:properties></bpmn:extensionElements><bpmn:incoming>f1",
    ).replace("SCRIPT", "x = 1")
    drive.deploy(files={"script_task.bpmn": text.encode()})
    ref = drive.start("script_task")
    assert drive.task(ref, "fill").due_at is None


# -- retrying incidents ---------------------------------------------------------------------

SERVICE_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:process id="service" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:serviceTask id="lookup" name="Lookup"><bpmn:extensionElements>
      <spiffworkflow:serviceTaskOperator id="registry_lookup" resultVariable="found">
        <spiffworkflow:parameters /></spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:userTask id="review" name="Review"><bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>f3</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="lookup" />
    <bpmn:sequenceFlow id="f2" sourceRef="lookup" targetRef="review" />
    <bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


class FlakyRegistry:
    """An external registry that is down until it is brought back (a fake at the edge)."""

    def __init__(self) -> None:
        self.up = False
        self.calls = 0

    def __call__(self, data: dict[str, object]) -> dict[str, object]:
        self.calls += 1
        if not self.up:
            raise ConnectionError("registry unreachable")
        return {"resident": True}


def test_retry_after_a_transient_failure_moves_on_and_resolves(
    settings: Settings, clock: FakeClock, network: Engine
) -> None:
    registry = FlakyRegistry()
    engine = Engine(settings, clock=clock, services={"registry_lookup": registry})
    drive = Driver(engine)
    drive.deploy(files={"service.bpmn": SERVICE_BPMN.encode()})
    ref = drive.start("service")
    [incident] = open_incidents(drive, ref)
    assert (incident.element_id, incident.attempts) == ("lookup", 1)
    assert "registry unreachable" in incident.error
    assert_intact(drive, ref, [])

    registry.up = True
    with engine.uow() as uow:
        retry_incident(uow, incident.id, drive.actor("clara"))
    assert open_incidents(drive, ref) == []
    assert drive.open_elements(ref) == ["review"]
    with engine.uow(write=False) as uow:
        resolved = uow.session.get_one(Incident, incident.id)
        assert resolved.resolved_at == clock.now
    kinds = [h["kind"] for h in drive.case(ref)["history"]]
    assert kinds[-3:] == ["incident_retried", "task_emitted", "incident_resolved"]
    engine.dispose()


def test_retry_of_a_still_failing_script_keeps_one_incident(drive: Driver) -> None:
    ref = run_script(drive, "x = missing_value + 1")
    [incident] = open_incidents(drive, ref)
    for _ in range(2):
        with drive.engine.uow() as uow:
            retry_incident(uow, incident.id, drive.actor("clara"))
    [still] = open_incidents(drive, ref)
    assert still.id == incident.id
    assert still.attempts == 3
    assert "missing_value" in still.error
    assert_intact(drive, ref, [])


def test_only_coordinators_retry(drive: Driver) -> None:
    from engine.errors import Forbidden

    ref = run_script(drive, "x = missing_value + 1")
    [incident] = open_incidents(drive, ref)
    with pytest.raises(Forbidden), drive.engine.uow() as uow:
        retry_incident(uow, incident.id, drive.actor("marco"))


def test_retry_re_evaluates_a_failing_timer_expression(drive: Driver) -> None:
    drive.deploy(files=timer_model("open('/etc/passwd').read()"))
    ref = drive.start("timer_expression")
    drive.complete(ref, "fill")
    [incident] = open_incidents(drive, ref)
    with drive.engine.uow() as uow:
        retry_incident(uow, incident.id, drive.actor("clara"))
    [still] = open_incidents(drive, ref)
    assert (still.id, still.attempts, still.element_id) == (incident.id, 2, "wait")
    assert_intact(drive, ref, [])
