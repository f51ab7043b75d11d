"""Deploy-time checks of a DMN file: every rule has a cell per input and output, and every cell
is a short expression that compiles under RestrictedPython."""

from __future__ import annotations

from typing import Any

from engine.errors import ModelInvalid
from engine.spiff.scripting import check_source

MAX_DMN_CELL = 2_000  # characters of one DMN cell (SpiffWorkflow scans cells with a regex)


def _local(tree: Any, name: str) -> list[Any]:
    return list(tree.xpath(f".//*[local-name()='{name}']"))


def check_dmn(filename: str, tree: Any) -> None:
    """Every decision table has a cell per input and output in each rule, and its cells are
    short expressions that compile under RestrictedPython (a malformed table is named here,
    not found by the first case that reaches it)."""
    problems: list[dict[str, Any]] = []
    for table in _local(tree, "decisionTable"):
        inputs, outputs = len(_local(table, "input")), len(_local(table, "output"))
        for rule in _local(table, "rule"):
            entries = _local(rule, "inputEntry"), _local(rule, "outputEntry")
            if (len(entries[0]), len(entries[1])) != (inputs, outputs):
                problems.append(
                    _dmn_problem(rule, f"needs {inputs} input and {outputs} output cells")
                )
        cells = [(t, "input") for t in _local(table, "inputEntry")]
        cells += [(t, "expression") for t in _local(table, "inputExpression")]
        cells += [(t, "expression") for t in _local(table, "outputEntry")]
        for cell, kind in cells:
            text = "".join(cell.itertext()).strip()
            if reason := _dmn_cell_problem(text, kind):
                problems.append(_dmn_problem(cell, f"{text[:60]!r}: {reason}"))
    if problems:
        raise ModelInvalid(
            f"{filename}: {len(problems)} problem(s); first: {problems[0]['message']}",
            [{"file": filename, **p} for p in problems],
        )


def _dmn_problem(node: Any, message: str) -> dict[str, Any]:
    return {"element_id": node.get("id"), "line": node.sourceline, "message": message}


def _dmn_cell_problem(text: str, kind: str) -> str | None:
    if len(text) > MAX_DMN_CELL:
        return f"a cell is limited to {MAX_DMN_CELL} characters"
    if not text or (kind == "input" and text == "-"):
        return None
    if kind == "expression":
        return check_source(text, expression=True)
    if "?" in text:
        return check_source(text.replace("?", "dmninputexpr"), expression=True)
    as_equality = check_source(f"(dmninputexpr) == ({text})", expression=True)
    as_test = check_source(f"dmninputexpr {text}", expression=True)
    return as_equality and as_test
