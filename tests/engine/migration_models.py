"""Versions of small test models, as a coordinator would change them between deploys."""

from __future__ import annotations

import re

from tests.support import FIXTURES, fixture_files


def three_tasks(
    *,
    assess_id: str = "assess",
    intake_groups: str = "case_manager",
    intake_due: str = "P10D",
    gateway_condition: str | None = None,
    close_due: str | None = None,
    reminder_on_assess: str | None = None,
) -> dict[str, bytes]:
    """three_tasks.bpmn, changed: `assess` renamed, intake's groups and due date, and optionally
    an exclusive gateway after intake whose condition reads case data."""
    xml = (FIXTURES / "three_tasks.bpmn").read_text()
    xml = xml.replace(
        'value="case_manager" />\n        <spiffworkflow:property name="organization"',
        f'value="{intake_groups}" />\n        <spiffworkflow:property name="organization"',
    )
    xml = xml.replace('name="dueIn" value="P10D"', f'name="dueIn" value="{intake_due}"')
    if close_due is not None:
        xml = xml.replace(
            '<bpmn:manualTask id="close" name="Close">\n      <bpmn:extensionElements>'
            "<spiffworkflow:properties>",
            '<bpmn:manualTask id="close" name="Close">\n      <bpmn:extensionElements>'
            "<spiffworkflow:properties>"
            f"<spiffworkflow:property name=\"dueIn\" value='{close_due}' />",
        )
    if reminder_on_assess is not None:  # a non-interrupting boundary timer, to a dead end
        xml = xml.replace(
            '<bpmn:endEvent id="end">',
            '<bpmn:boundaryEvent id="promemoria" name="Promemoria" attachedToRef="assess" '
            'cancelActivity="false"><bpmn:outgoing>fb</bpmn:outgoing><bpmn:timerEventDefinition '
            f'id="tdb"><bpmn:timeDuration>"{reminder_on_assess}"</bpmn:timeDuration>'
            '</bpmn:timerEventDefinition></bpmn:boundaryEvent><bpmn:endEvent id="end_b">'
            '<bpmn:incoming>fb</bpmn:incoming></bpmn:endEvent><bpmn:sequenceFlow id="fb" '
            'sourceRef="promemoria" targetRef="end_b" /><bpmn:endEvent id="end">',
        )
    if assess_id != "assess":
        xml = xml.replace('id="assess" name="Assess"', f'id="{assess_id}" name="Valutazione"')
        xml = xml.replace('targetRef="assess"', f'targetRef="{assess_id}"')
        xml = xml.replace('sourceRef="assess"', f'sourceRef="{assess_id}"')
    if gateway_condition is not None:
        xml = xml.replace(
            "<bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>",
            "<bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f1b</bpmn:outgoing></bpmn:userTask>"
            '<bpmn:exclusiveGateway id="gw_isee" name="ISEE basso?" default="f2">'
            "<bpmn:incoming>f1b</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>"
            "<bpmn:outgoing>fx</bpmn:outgoing></bpmn:exclusiveGateway>",
        )
        xml = xml.replace(
            '<bpmn:sequenceFlow id="f2" sourceRef="intake"',
            '<bpmn:sequenceFlow id="f1b" sourceRef="intake" targetRef="gw_isee" />'
            f'<bpmn:sequenceFlow id="fx" sourceRef="gw_isee" targetRef="close">'
            f"<bpmn:conditionExpression>{gateway_condition}</bpmn:conditionExpression>"
            '</bpmn:sequenceFlow><bpmn:sequenceFlow id="f2" sourceRef="gw_isee"',
        )
        xml = xml.replace(
            "<bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing></bpmn:manualTask>",
            "<bpmn:incoming>f3</bpmn:incoming><bpmn:incoming>fx</bpmn:incoming>"
            "<bpmn:outgoing>f4</bpmn:outgoing></bpmn:manualTask>",
        )
    return {"three_tasks.bpmn": xml.encode(), **fixture_files("intake.json")}


def timer_wait(duration: str) -> dict[str, bytes]:
    xml = (FIXTURES / "timer_wait.bpmn").read_text().replace('"PT1H"', f'"{duration}"')
    return {"timer_wait.bpmn": xml.encode()}


def parent_and_child(*, child_task: str = "child_task", after: str = "after") -> dict[str, bytes]:
    """parent.bpmn calling child.bpmn; the child's task and the parent's last task renamed."""
    child = (FIXTURES / "child.bpmn").read_text()
    if child_task != "child_task":
        child = child.replace("child_task", child_task).replace("Child task", "Lavoro del figlio")
    parent = (FIXTURES / "parent.bpmn").read_text()
    if after != "after":
        parent = parent.replace('id="after" name="After"', f'id="{after}" name="Dopo"')
        parent = parent.replace('targetRef="after"', f'targetRef="{after}"')
        parent = parent.replace('sourceRef="after"', f'sourceRef="{after}"')
    return {"parent.bpmn": parent.encode(), "child.bpmn": child.encode()}


def parallel(
    *, drop_asst: bool = False, extra_branch: bool = False, join_id: str = "join"
) -> dict[str, bytes]:
    """parallel.bpmn with its ASST branch removed, or with a fourth branch added, or its unnamed
    join drawn again (a new id, as the Modeler gives one)."""
    xml = (FIXTURES / "parallel.bpmn").read_text()
    xml = xml.replace('id="join"', f'id="{join_id}"').replace(
        'targetRef="join"', f'targetRef="{join_id}"'
    )
    xml = xml.replace('sourceRef="join"', f'sourceRef="{join_id}"')
    if drop_asst:
        xml = re.sub(r'<bpmn:userTask id="asst".*?</bpmn:userTask>', "", xml, flags=re.S)
        xml = re.sub(r'<bpmn:sequenceFlow id="c[12]"[^>]*/>', "", xml)
        xml = xml.replace("<bpmn:outgoing>c1</bpmn:outgoing>", "")
        xml = xml.replace("<bpmn:incoming>c2</bpmn:incoming>", "")
    if extra_branch:
        xml = xml.replace(
            "<bpmn:outgoing>c1</bpmn:outgoing></bpmn:parallelGateway>",
            "<bpmn:outgoing>c1</bpmn:outgoing><bpmn:outgoing>d1</bpmn:outgoing>"
            "</bpmn:parallelGateway>",
        )
        xml = xml.replace(
            "<bpmn:incoming>c2</bpmn:incoming>",
            "<bpmn:incoming>c2</bpmn:incoming><bpmn:incoming>d2</bpmn:incoming>",
        )
        xml = xml.replace(
            f'<bpmn:parallelGateway id="{join_id}">',
            '<bpmn:userTask id="training" name="Training contribution"><bpmn:incoming>d1'
            "</bpmn:incoming><bpmn:outgoing>d2</bpmn:outgoing></bpmn:userTask>"
            '<bpmn:sequenceFlow id="d1" sourceRef="split" targetRef="training" />'
            f'<bpmn:sequenceFlow id="d2" sourceRef="training" targetRef="{join_id}" />'
            f'<bpmn:parallelGateway id="{join_id}">',
        )
    return {"parallel.bpmn": xml.encode()}


def ui_referral_renamed() -> dict[str, bytes]:
    """ui_referral.bpmn (tests/seed.py's model), its first task renamed: presa_atto becomes
    presa_in_carico, "Presa in carico"."""
    xml = (FIXTURES / "ui_referral.bpmn").read_text()
    xml = xml.replace(
        'id="presa_atto" name="Presa d\'atto"', 'id="presa_in_carico" name="Presa in carico"'
    )
    xml = xml.replace('"presa_atto"', '"presa_in_carico"')
    return {"ui_referral.bpmn": xml.encode()}


TWO_BRANCHES = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
  targetNamespace="http://percorsi.test">
  <bpmn:process id="two_branches" name="Two branches" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:parallelGateway id="split"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>a1</bpmn:outgoing><bpmn:outgoing>b1</bpmn:outgoing></bpmn:parallelGateway>
    <bpmn:userTask id="task_a" name="A"><bpmn:incoming>a1</bpmn:incoming>
      <bpmn:outgoing>a2</bpmn:outgoing></bpmn:userTask>
    <bpmn:userTask id="SECOND" name="B"><bpmn:incoming>b1</bpmn:incoming>
      <bpmn:outgoing>b2</bpmn:outgoing></bpmn:userTask>
    <bpmn:parallelGateway id="join"><bpmn:incoming>a2</bpmn:incoming>
      <bpmn:incoming>b2</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:parallelGateway>
    <bpmn:exclusiveGateway id="gw" name="Soglia" default="f3"><bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>f3</bpmn:outgoing><bpmn:outgoing>f4</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming><bpmn:incoming>f4</bpmn:incoming>
      </bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="split" />
    <bpmn:sequenceFlow id="a1" sourceRef="split" targetRef="task_a" />
    <bpmn:sequenceFlow id="b1" sourceRef="split" targetRef="SECOND" />
    <bpmn:sequenceFlow id="a2" sourceRef="task_a" targetRef="join" />
    <bpmn:sequenceFlow id="b2" sourceRef="SECOND" targetRef="join" />
    <bpmn:sequenceFlow id="f2" sourceRef="join" targetRef="gw" />
    <bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="end" />
    <bpmn:sequenceFlow id="f4" sourceRef="gw" targetRef="end">
      <bpmn:conditionExpression>CONDITION</bpmn:conditionExpression></bpmn:sequenceFlow>
  </bpmn:process>
</bpmn:definitions>
"""


def two_branches(second: str = "task_b", condition: str = "False") -> dict[str, bytes]:
    """Two parallel user tasks, joined, then a gateway whose condition may read case data."""
    xml = TWO_BRANCHES.replace("SECOND", second).replace("CONDITION", condition)
    return {"two_branches.bpmn": xml.encode()}
