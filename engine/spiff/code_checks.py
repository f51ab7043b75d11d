"""Model code checked at deploy: scripts, gateway conditions and expressions (timers, message
payloads, task and process properties) must compile under the sandbox and call only the
helpers it gives them.

A refusal says which element, which kind of code, the line (when the code has several) and the
line of code itself, with a `hint` the UI says in the reader's language when the mistake is one
we can name reliably (a bracket or a string left open, `=` for `==`, an import, ...); the
sandbox's English reason stays in the API's message only.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent

from engine.spiff.element_labels import Label
from engine.spiff.scripting import check_source
from engine.spiff.structure import named_problem, unknown_calls

QUOTED = 80  # characters of a line of code quoted in a problem
# What a refusal's reason says, and the hint the UI words for it.
HINTS = (
    ("was never closed", "unclosed"),
    ("unmatched ", "unmatched"),
    ("does not match opening parenthesis", "mismatched"),
    ("unterminated", "unterminated"),
    ("indent", "indent"),
    ("expected ':'", "colon"),
    ("instead of '='", "equals"),
    ("import is not allowed", "import"),
    ('because it starts with "_"', "underscore"),
    ("bits is not allowed", "too_big"),
)
CODES = {"script": "script_invalid", "prescript": "script_invalid", "postscript": "script_invalid"}
CODES["condition"] = "condition_invalid"  # any other kind of code is an expression
KIND_HINTS = {"organization": "organization", "dueIn": "due"}  # what to write instead
IMPORT = re.compile(r"\s*(import|from)\s")


@dataclass(frozen=True)
class Refusal:
    """Why the sandbox refuses a piece of model code, and where."""

    reason: str  # the sandbox's words, in English
    line: int | None  # 1 for the first line of the code
    text: str  # that line, as written
    hint: str = ""  # a key of HINTS, "" when the mistake has no simple name
    several: bool = False  # whether the code has more than one line (then the line is said)


def refusal(source: str, *, expression: bool) -> Refusal | None:
    """Why model code would be refused, or None when it compiles."""
    reason = check_source(source, expression=expression)
    if reason is None:
        return None
    code = source.strip() if expression else source  # as the sandbox compiles it
    try:
        ast.parse(code, mode="eval" if expression else "exec")
        found = re.match(r"[Ll]ine (\d+): ", reason)
        line, said = (int(found.group(1)) if found else None), reason
    except SyntaxError as exc:  # Python's own words name the mistake best
        line, said = exc.lineno, str(exc.msg)
    except (ValueError, RecursionError, MemoryError):  # too deep to say more than the sandbox
        line, said = None, reason
    lines = code.splitlines() or [""]
    text = lines[min(max(line or 1, 1), len(lines)) - 1].strip()
    hint = next((h for words, h in HINTS if words in said), "")
    if expression and IMPORT.match(text):
        hint = "import"
    elif expression and _assignment(code):  # `route = "cpi"` where `==` was meant
        hint = "equals"
    return Refusal(reason, line, text, hint, several=len(lines) > 1)


def _assignment(code: str) -> bool:
    try:
        body = ast.parse(code).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return len(body) == 1 and isinstance(body[0], ast.Assign)


def code_problem(
    filename: str,
    element: str | None,
    name: str,
    kind: str,
    refused: Refusal,
    label: Label | None = None,
) -> dict[str, Any]:
    """The deploy problem of a piece of model code of `kind` (script, condition, timer, dueIn,
    ...) that `refused` says does not compile."""
    text = refused.text if len(refused.text) <= QUOTED else refused.text[: QUOTED - 1] + "…"
    more = {
        "line": str(refused.line) if refused.several and refused.line else "",
        "hint": refused.hint or KIND_HINTS.get(kind, ""),
    }
    return named_problem(
        filename,
        element,
        name,
        CODES.get(kind, "expression_invalid"),
        text,
        kind,
        label=label,
        more=more,
        detail=re.sub(r"^[Ll]ine \d+: (SyntaxError: )?", "", refused.reason),
    )


def check_task_code(
    filename: str,
    task_spec: Any,
    services: set[str],
    callables: frozenset[str] = frozenset(),
    label: Label | None = None,
) -> list[dict[str, Any]]:
    """Scripts, conditions and timer expressions of one task spec must compile under
    RestrictedPython and call only the helpers and builtins the sandbox gives them; its
    `label` says an unnamed element by its kind and place."""
    element = getattr(task_spec, "bpmn_id", None) or task_spec.name
    name = str(getattr(task_spec, "bpmn_name", None) or element)
    problems = [
        code_problem(filename, element, name, kind, refused, label)
        for kind, source, is_expr in model_code(task_spec)
        if (refused := refusal(source, expression=is_expr)) is not None
    ]
    if callables and not problems:
        problems.extend(
            named_problem(filename, element, name, "unknown_helper", called, label=label)
            for _kind, source, is_expr in model_code(task_spec)
            for called in unknown_calls(source, is_expr, callables)
        )
    if hasattr(task_spec, "script") and not str(task_spec.script or "").strip():
        problems.append(named_problem(filename, element, name, "script_missing", label=label))
    operation = getattr(task_spec, "operation_name", None)
    if operation and operation not in services:
        problems.append(
            named_problem(filename, element, name, "unknown_service", operation, label=label)
        )
    return problems


def model_code(task_spec: Any) -> list[tuple[str, str, bool]]:
    """(kind, source, whether an expression) of each piece of code a task spec runs."""
    found: list[tuple[str, str, bool]] = []
    for attr in ("script", "prescript", "postscript"):
        source = getattr(task_spec, attr, None)
        if source:
            found.append((attr, source, False))
    for condition, _target in getattr(task_spec, "cond_task_specs", []) or []:
        source = getattr(condition, "args", [None])[0] if condition is not None else None
        if isinstance(source, str) and source:
            found.append(("condition", source, True))
    event = getattr(task_spec, "event_definition", None)
    expression = getattr(event, "expression", None)
    if isinstance(expression, str) and expression:
        kind = "timer" if isinstance(task_spec, CatchingEvent) else "message"
        found.append((kind, expression, True))
    return found
