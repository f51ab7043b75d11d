"""Findings 1 and 2 of the red-team pass: model code that switches the in-process time limit off,
or that asks one C-level call for minutes of CPU or gigabytes of memory, is contained by the
worker process (RLIMIT_CPU, RLIMIT_AS, a wall-clock kill) and becomes an incident; the case
stays intact and other commands go on. The static check that lets bounded code stay in-process
accepts the bundled models' code and none of the attacks."""

from __future__ import annotations

import resource
import threading
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from engine import Engine
from engine.spiff.bounded import bounded_expression, bounded_script
from tests.engine.test_script_safety import (
    assert_intact,
    gateway_model,
    open_incidents,
    run_script,
    script_model,
    timer_model,
)
from tests.support import FIXTURES, Driver
from workflows import HELPERS

BUNDLED = Path(__file__).resolve().parents[2] / "bpmn"

# Finding 1: a RecursionError inside the trace function switches it off; then C loops run on.
TRACER_OFF = (
    "def down(n):\n"
    "    return down(n + 1)\n"
    "try:\n"
    "    down(0)\n"
    "except Exception:\n"
    "    pass\n"
    "x = sum(map(lambda i: sum(map(abs, range(1000))), range(1000000)))\n"
)
# Finding 2: single C-level operations the size guards do not see.
C_LEVEL = {
    "pow with a modulus": "x = pow(3, 10 ** 29000, 10 ** 6000 + 7)",
    "to_bytes": "x = len((0).to_bytes(10 ** 9, 'big'))",
    "translate": "x = len(('a' * 10 ** 6).translate({97: 'b' * 1000}))",
    "expandtabs": "x = len(('\\t' * 10 ** 6).expandtabs(1000))",
    "doubling with +=": "s = 'a' * 10 ** 6\nfor i in range(12):\n    s += s\nx = len(s)",
    "doubling with +": "s = 'a' * 10 ** 6\nfor i in range(12):\n    s = s + s\nx = len(s)",
    "json_dumps of shared references": (
        "a = [1] * 1000\nb = [a] * 1000\nc = [b] * 1000\nx = len(json_dumps(c))"
    ),
    "str of shared references": "a = [1] * 1000\nb = [a] * 1000\nc = [b] * 1000\nx = len(str(c))",
    "shared references handed back": (
        "a = ['x' * 100] * 1000\nb = [a] * 1000\nc = [b] * 1000\nx = 1"
    ),
}
LIMIT_WORDS = ("longer than", "limit", "memory", "items", "characters")
# What the server's own process may spend on one contained attack. The attacks ask for tens of
# seconds of CPU and gigabytes; in-process they got them before any check could stop them.
SERVER_CPU_SECONDS = 5.0
SERVER_MEMORY_GROWTH = 400 * 1024 * 1024


class ServerCost:
    """The CPU seconds and peak-memory growth of this (the server's) process during a block."""

    def __enter__(self) -> ServerCost:
        self.before = resource.getrusage(resource.RUSAGE_SELF)
        return self

    def __exit__(self, *exc: object) -> None:
        after = resource.getrusage(resource.RUSAGE_SELF)
        self.cpu = (after.ru_utime + after.ru_stime) - (self.before.ru_utime + self.before.ru_stime)
        self.memory = (after.ru_maxrss - self.before.ru_maxrss) * 1024  # kB on Linux

    def check(self) -> None:
        assert self.cpu < SERVER_CPU_SECONDS, f"the server's process spent {self.cpu:.1f} s"
        assert self.memory < SERVER_MEMORY_GROWTH, f"the server's process grew {self.memory} B"


@pytest.fixture
def drive(network: Engine) -> Driver:
    return Driver(network)


def assert_contained(drive: Driver, ref: str, element: str, open_elements: list[str]) -> None:
    [incident] = open_incidents(drive, ref)
    assert incident.element_id == element
    assert any(word in incident.error for word in LIMIT_WORDS), incident.error
    assert_intact(drive, ref, open_elements)


def test_switching_the_tracer_off_from_inside_does_not_escape_the_limit(drive: Driver) -> None:
    with ServerCost() as cost:
        ref = run_script(drive, TRACER_OFF)
    assert_contained(drive, ref, "compute", [])
    cost.check()


@pytest.mark.parametrize("script", list(C_LEVEL.values()), ids=list(C_LEVEL))
def test_single_c_level_operations_are_contained(drive: Driver, script: str) -> None:
    with ServerCost() as cost:
        ref = run_script(drive, script)
    assert_contained(drive, ref, "compute", [])
    cost.check()


@pytest.mark.parametrize(
    "condition",
    [
        "pow(3, 10 ** 29000, 10 ** 6000 + 7) > 0",
        "len((0).to_bytes(10 ** 9, 'big')) > 0",
        "len(json_dumps([[[1] * 1000] * 1000] * 1000)) > 0",
    ],
)
def test_runaway_gateway_conditions_are_contained(drive: Driver, condition: str) -> None:
    drive.deploy(files=gateway_model(condition))
    ref = drive.start("condition")
    with ServerCost() as cost:
        drive.complete(ref, "fill", {"go": True})
    assert_contained(drive, ref, "gw", [])
    cost.check()


def test_runaway_timer_expression_is_contained(drive: Driver) -> None:
    drive.deploy(files=timer_model("'P' + str(len(str([[[1] * 1000] * 1000] * 1000))) + 'D'"))
    ref = drive.start("timer_expression")
    with ServerCost() as cost:
        drive.complete(ref, "fill")
    assert_contained(drive, ref, "wait", [])
    cost.check()


def test_runaway_due_in_expression_leaves_the_task_without_a_due_date(drive: Driver) -> None:
    text = (FIXTURES / "script_task.bpmn").read_text()
    text = text.replace(
        '<spiffworkflow:property name="candidateGroups" value="case_manager" /></spiffworkflow'
        ":properties></bpmn:extensionElements><bpmn:incoming>f1",
        '<spiffworkflow:property name="candidateGroups" value="case_manager" />'
        '<spiffworkflow:property name="dueIn" value="'
        + escape("'P' + str(len((0).to_bytes(10 ** 9, 'big'))) + 'D'", {'"': "&quot;"})
        + '" /></spiffworkflow:properties></bpmn:extensionElements><bpmn:incoming>f1',
    ).replace("SCRIPT", "x = 1")
    drive.deploy(files={"script_task.bpmn": text.encode()})
    with ServerCost() as cost:
        ref = drive.start("script_task")
    assert drive.task(ref, "fill").due_at is None
    cost.check()


def test_runaway_dmn_cell_is_contained(drive: Driver) -> None:
    dmn = (FIXTURES / "route_decision.dmn").read_text()
    bomb = "len(str([[[1] * 1000] * 1000] * 1000)) > 0"
    dmn = dmn.replace("<text>True</text>", f"<text>{bomb}</text>")
    drive.deploy(
        files={
            "routing.bpmn": (FIXTURES / "routing.bpmn").read_bytes(),
            "route_decision.dmn": dmn.encode(),
        }
    )
    with ServerCost() as cost:
        ref = drive.start("routing", {"work_ready": True})
    cost.check()
    [incident] = open_incidents(drive, ref)
    assert incident.element_id == "decide"
    assert any(word in incident.error for word in LIMIT_WORDS), incident.error


def test_a_runaway_case_start_does_not_stop_other_commands(drive: Driver) -> None:
    """While one case start spins (tracer switched off), another case starts and completes."""
    drive.deploy(files=script_model(TRACER_OFF))
    drive.deploy("three_tasks.bpmn", "intake.json")
    started: list[str] = []
    spinner = threading.Thread(target=lambda: started.append(run_script_only(drive)))
    spinner.start()
    ref = drive.start("three_tasks")
    spinner.join(timeout=30)
    assert not spinner.is_alive()
    assert drive.open_elements(ref) == ["intake"]
    assert_contained(drive, started[0], "compute", [])


def run_script_only(drive: Driver) -> str:
    ref = drive.start("script_task")
    drive.complete(ref, "fill", {"amount": 3})
    return ref


def test_the_worker_is_replaced_after_a_kill_and_ordinary_scripts_still_run(drive: Driver) -> None:
    ref = run_script(drive, TRACER_OFF)
    assert_contained(drive, ref, "compute", [])
    ok = run_script(drive, "total = sum([i for i in range(amount)])\nlabel = '%d items' % total")
    assert open_incidents(drive, ok) == []
    assert drive.open_elements(ok) == ["review"]


# -- the static check: what may stay in-process ------------------------------------------------

ATTACKS = [
    *C_LEVEL.values(),
    TRACER_OFF,
    "pow(3, 10 ** 4000, 10 ** 3000 + 7)",
    "(0).to_bytes(10 ** 9, 'big')",
    "len(json_dumps([[[1] * 1000] * 1000] * 1000))",
    "str([[[1] * 1000] * 1000] * 1000)",
    "x.translate({97: 'b' * 1000})",
    "x.expandtabs(1000)",
    "x + x if len(x) else [y for y in x]",
    "round(5, -10 ** 18)",
    "'9' * 10 ** 9",
    "2 ** 10 ** 10",
    "1 << 10 ** 10",
    "'%*d' % (10 ** 9, 1)",
    "f'{x:>1000000000}'",
    "(lambda: 1)()",
    "sum(range(10 ** 12))",
    "max(map(abs, range(10 ** 6)))",
    "{**x}",
    "len(*x)",
    "date.today().__class__",
    "__import__('os')",
    "x[0:10**30]" + " and '" + "a" * 20000 + "'",
    "a = x + x\nb = a + a",
    "x = x + x",
    "while True:\n    pass",
    "for i in x:\n    y = i",
    "def f():\n    return 1\ny = f()",
    "y = [i for i in x]",
    "x += x",
]


@pytest.mark.parametrize("code", ATTACKS)
def test_no_attack_passes_the_static_check(code: str) -> None:
    assert not bounded_expression(code, HELPERS)
    assert not bounded_script(code, HELPERS)


@pytest.mark.parametrize(
    ("code", "is_expression"),
    [
        ("count = turns + 1\nlabel = 'turn'", False),
        ("restricted = target_group == 'violenza'\nadmitted = True", False),
        ("if adi:\n    due = 'P120D'\nelse:\n    due = 'P30D'", False),
        ("a - b / 2 + c // 3", True),
        ("-x < 3 and not y or z", True),
        ("x if y else z", True),
        ("[a, b, {'k': v}, (c, d), {e}]", True),
        ("service['type'] in ('formazione', 'tirocinio')", True),
        ("date(2026, 1, 1) < start and len(services) > 0", True),
        ("due_after(pad_date, 'P120D') if adi else 'P30D'", True),
    ],
)
def test_plain_model_code_passes_the_static_check(code: str, is_expression: bool) -> None:
    check = bounded_expression if is_expression else bounded_script
    assert check(code, HELPERS)


def test_the_bundled_models_code_stays_in_process() -> None:
    """Every condition, script, timer and dueIn expression and DMN cell of the bundled pathways
    passes the static check: the network's own models pay no process round trip."""
    import re

    found: list[tuple[str, bool]] = []
    for path in [*BUNDLED.glob("*.bpmn"), *BUNDLED.glob("*.dmn")]:
        text = path.read_text()
        found += [(c, True) for c in re.findall(r"<bpmn:conditionExpression[^>]*>([^<]*)<", text)]
        found += [(s, False) for s in re.findall(r"<bpmn:script>([^<]*)</bpmn:script>", text)]
        found += [(c, True) for c in re.findall(r"<text>([^<]*)</text>", text) if c != "-"]
        found += [(t, True) for t in re.findall(r"<bpmn:time\w+[^>]*>([^<]*)<", text)]
        due = re.findall(r'name="dueIn" value="([^"]*)"', text)
        found += [(d, True) for d in due if not re.fullmatch(r"P[0-9YMWDTHS]+", d)]
    assert found
    unescape = {"&gt;": ">", "&lt;": "<", "&quot;": '"', "&amp;": "&"}
    for code, is_expression in [(c, e) for c, e in found if c.strip()]:
        for entity, char in unescape.items():
            code = code.replace(entity, char)
        check = bounded_expression if is_expression else bounded_script
        assert check(code, HELPERS), code
