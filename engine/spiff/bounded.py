"""A static proof that a piece of model code runs in bounded time and memory, and a size check.

Most model code is a comparison (`route == "cpi"`), a flag (`restricted = True`) or a helper
call. Sending each of them to a worker process would cost a round trip per gateway; code that
this module can prove bounded is evaluated in-process instead, and everything else goes to a
worker (engine/spiff/workers.py). The proof is deliberately narrow:
- names, small constants, comparisons, boolean and arithmetic operators that are linear in
  their operands (`+`, `-`, `/`, `//`, `&`, `|`, `^`), conditional expressions, subscripts,
  and list/tuple/set/dict displays without unpacking;
- no attribute access, no f-strings, no `*`, `**`, `%`, shifts, loops, comprehensions, lambdas;
- calls only to a fixed whitelist of O(n) builtins and to the registered helpers (trusted code
  of `workflows/`, reviewed to run in time linear in their arguments);
- a script is a sequence of `name = expression` and `if` statements that never reads a name it
  assigns, so no statement can double what an earlier one built.
The cost of such code is at most linear in its source times the size of the data it reads, and
`check_size` bounds every value model code hands back, so neither can grow without limit.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from engine.spiff.sandbox import MAX_INT_BITS, MAX_ITEMS, ResourceLimit

# Builtins and standard helpers whose cost is at most linear (n log n for sorted) in their input.
LINEAR_CALLS = frozenset(
    {"len", "bool", "abs", "min", "max", "any", "all", "sorted", "int", "float",
     "date", "datetime", "timedelta", "floor", "ceil"}
)  # fmt: skip
MAX_SOURCE = 2_000  # characters of one piece of in-process model code
MAX_NODES = 300  # AST nodes of one piece of in-process model code
MAX_CONSTANT = 10_000  # characters of one string constant
MAX_CONSTANT_BITS = 64
MAX_VALUE_NODES = 200_000  # containers, keys and items of one value handed back by model code
_LINEAR_OPS = (ast.Add, ast.Sub, ast.Div, ast.FloorDiv, ast.BitAnd, ast.BitOr, ast.BitXor)
_UNARY_OPS = (ast.Not, ast.USub, ast.UAdd, ast.Invert)
_PLAIN = (
    ast.Expression,
    ast.BoolOp,
    ast.Compare,
    ast.IfExp,
    ast.Subscript,
    ast.Slice,
    ast.List,
    ast.Tuple,
    ast.Set,
    ast.Load,
    ast.boolop,
    ast.cmpop,
    ast.operator,
    ast.unaryop,
)  # fmt: skip  (operator nodes: BinOp and UnaryOp check which operator they hold)


def bounded_expression(source: str, helpers: Iterable[str]) -> bool:
    """True when the expression is proven to run in bounded time and memory in-process."""
    return _bounded_expression(source.strip(), frozenset(helpers))


def bounded_script(source: str, helpers: Iterable[str]) -> bool:
    """True when the script is proven to run in bounded time and memory in-process."""
    return _bounded_script(source, frozenset(helpers))


@lru_cache(maxsize=4096)
def _bounded_expression(source: str, helpers: frozenset[str]) -> bool:
    if len(source) > MAX_SOURCE:
        return False
    try:
        tree = ast.parse(source, mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    return _small(tree) and _checker(helpers).ok(tree)


@lru_cache(maxsize=4096)
def _bounded_script(source: str, helpers: frozenset[str]) -> bool:
    if len(source) > MAX_SOURCE:
        return False
    try:
        tree = ast.parse(source, mode="exec")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    if not _small(tree):
        return False
    checker = _checker(helpers)
    if not all(checker.statement(stmt) for stmt in tree.body):
        return False
    assigned = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and _stores(n)}
    read = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and not _stores(n)}
    return not assigned & read


def _small(tree: ast.AST) -> bool:
    return sum(1 for _ in ast.walk(tree)) <= MAX_NODES


def _stores(node: ast.Name) -> bool:
    return isinstance(node.ctx, ast.Store)


def _checker(helpers: frozenset[str]) -> _Checker:
    return _Checker(LINEAR_CALLS | helpers)


class _Checker:
    """Walks an AST and accepts only the node shapes listed in the module's docstring."""

    def __init__(self, calls: frozenset[str]) -> None:
        self.calls = calls

    def statement(self, stmt: ast.stmt) -> bool:
        if isinstance(stmt, ast.Pass):
            return True
        if isinstance(stmt, ast.Expr):
            return self.ok(stmt.value)
        if isinstance(stmt, ast.Assign):
            names = all(isinstance(t, ast.Name) and not _dunder(t.id) for t in stmt.targets)
            return names and self.ok(stmt.value)
        if isinstance(stmt, ast.If):
            return self.ok(stmt.test) and all(map(self.statement, [*stmt.body, *stmt.orelse]))
        return False

    def ok(self, node: ast.AST) -> bool:
        return self._node(node) and all(self.ok(child) for child in ast.iter_child_nodes(node))

    def _node(self, node: ast.AST) -> bool:
        if isinstance(node, _PLAIN):
            return True
        if isinstance(node, ast.Name):
            return not _dunder(node.id) and isinstance(node.ctx, ast.Load)
        if isinstance(node, ast.Constant):
            return _small_constant(node.value)
        if isinstance(node, ast.BinOp):
            return isinstance(node.op, _LINEAR_OPS)
        if isinstance(node, ast.UnaryOp):
            return isinstance(node.op, _UNARY_OPS)
        if isinstance(node, ast.Dict):
            return None not in node.keys  # `{**x}` unpacking
        if isinstance(node, ast.Call):
            return self._call(node)
        return isinstance(node, ast.keyword) and node.arg is not None

    def _call(self, node: ast.Call) -> bool:
        named = isinstance(node.func, ast.Name) and node.func.id in self.calls
        starred = any(isinstance(a, ast.Starred) for a in node.args)
        return named and not starred and all(k.arg is not None for k in node.keywords)


def _dunder(name: str) -> bool:
    return name.startswith("_")


def _small_constant(value: Any) -> bool:
    if isinstance(value, str | bytes):
        return len(value) <= MAX_CONSTANT
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return True
    if isinstance(value, int):
        return value.bit_length() <= MAX_CONSTANT_BITS
    return False


def check_size(value: Any) -> None:
    """Refuse a value model code hands back when, written out, it would be too large.

    Shared references make a value small in memory and huge as JSON (`b = [a, a]` repeated);
    the walk counts every occurrence, not every object, and stops at the first limit."""
    stack = [value]
    nodes = chars = 0
    while stack:
        item = stack.pop()
        nodes += 1
        if isinstance(item, str | bytes):
            chars += len(item)
        elif isinstance(item, dict):
            nodes += len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            nodes += len(item)
            if nodes <= MAX_VALUE_NODES:
                stack.extend(item)
        elif isinstance(item, int) and item.bit_length() > MAX_INT_BITS:
            raise ResourceLimit(f"model code produced an integer above {MAX_INT_BITS} bits")
        if nodes > MAX_VALUE_NODES:
            raise ResourceLimit(f"model code produced a value of more than {MAX_VALUE_NODES} items")
        if chars > MAX_ITEMS:
            raise ResourceLimit(f"model code produced more than {MAX_ITEMS} characters of text")
