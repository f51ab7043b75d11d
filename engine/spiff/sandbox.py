"""Percorsi's RestrictedPython policy: deadline checks the tracer cannot miss, and size guards.

RestrictedPython stops names and attributes; it does not stop model code from spinning or from
asking for gigabytes. Two holes are closed here:
- a line tracer sees no line event in a one-line loop (`while True: pass`), and is switched off
  by the interpreter once it raises, so a script catching the timeout could run on. The policy
  puts a deadline check at the top of every `while` body, `except` handler and `finally` block,
  and every `for` loop and comprehension iterates through a checking iterator;
- one C-level operation (`10**10**10`, `'a' * 10**10`, `range(10**12)` summed) never reaches a
  check at all, so powers, products, shifts, `%`-formatting, padding and ranges are sized first.
A model that asks for more with constants alone is refused at deploy.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from RestrictedPython import RestrictingNodeTransformer
from RestrictedPython.Guards import safer_getattr

MAX_ITEMS = 1_000_000  # the longest str/bytes/list/range model code may build in one operation
MAX_INT_BITS = 100_000  # the largest int (about 30,000 digits) one operation may produce
TICK = "_tick_"
BINOP = "_binop_"
_OPS: dict[type[ast.operator], str] = {
    ast.Pow: "**",
    ast.Mult: "*",
    ast.LShift: "<<",
    ast.Mod: "%",
}
_APPLY: dict[str, Callable[[Any, Any], Any]] = {
    "**": operator.pow,
    "*": operator.mul,
    "<<": operator.lshift,
    "%": operator.mod,
}
_SEQUENCES = (str, bytes, list, tuple)
_WIDE_FORMAT = re.compile(r"%[^%a-zA-Z]*?(\*|\d{7,})")
_PADDING = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs"})
DENIED_ATTRIBUTES = frozenset({"mro"})  # reaches object/BaseException from any exception class


class ResourceLimit(Exception):
    """Model code asked one operation for more memory or CPU than a script may use."""


def check_binop(op: str, left: Any, right: Any) -> None:
    """Refuse an operation whose result would be too large to compute safely."""
    if op == "**":
        _check_power(left, right)
    elif op == "*":
        for seq, times in ((left, right), (right, left)):
            if isinstance(seq, _SEQUENCES) and isinstance(times, int):
                _check_length(len(seq) * times)
        if _ints(left, right) and left.bit_length() + right.bit_length() > MAX_INT_BITS:
            raise ResourceLimit(f"a product above {MAX_INT_BITS} bits is not allowed")
    elif op == "<<":
        if _ints(left, right) and left.bit_length() + right > MAX_INT_BITS:
            raise ResourceLimit(f"a shift above {MAX_INT_BITS} bits is not allowed")
    elif op == "%" and isinstance(left, str) and _WIDE_FORMAT.search(left):
        raise ResourceLimit("%-formatting with '*' or a huge width is not allowed")


def _ints(*values: Any) -> bool:
    return all(isinstance(v, int) for v in values)


def _check_power(base: Any, exponent: Any) -> None:
    big = _ints(base, exponent) and exponent > 0 and abs(base) > 1
    if big and exponent * (abs(base).bit_length() - 1) > MAX_INT_BITS:
        raise ResourceLimit(f"a power above {MAX_INT_BITS} bits is not allowed")


def _check_length(length: int) -> None:
    if length > MAX_ITEMS:
        raise ResourceLimit(f"a sequence of {length} items is not allowed (limit {MAX_ITEMS})")


def guarded_binop(op: str, left: Any, right: Any) -> Any:
    """`left op right` for the operators that can blow up, after sizing the result."""
    check_binop(op, left, right)
    return _APPLY[op](left, right)


def guarded_inplace(op: str, left: Any, right: Any) -> Any:
    """`left op= right` (RestrictedPython's `_inplacevar_`), sized like the plain operators."""
    plain = op[:-1]
    if plain in _APPLY:
        return guarded_binop(plain, left, right)
    if plain in _INPLACE:
        return _INPLACE[plain](left, right)
    raise SyntaxError(f"operator {op} is not supported in scripts")


_INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "/": operator.truediv,
    "//": operator.floordiv,
    "|": operator.or_,
    "&": operator.and_,
    "^": operator.xor,
    ">>": operator.rshift,
}


def guarded_range(*args: int) -> range:
    """`range`, refused beyond MAX_ITEMS (a C loop over it could not be interrupted)."""
    span = range(*args)
    try:
        _check_length(len(span))
    except OverflowError as exc:
        raise ResourceLimit("that range is too long") from exc
    return span


def guarded_pow(base: Any, exponent: Any, modulus: Any = None) -> Any:
    if modulus is None:
        _check_power(base, exponent)
    return pow(base, exponent, modulus)


def guarded_sum(items: Iterable[Any], start: Any = 0) -> Any:
    """`sum` of numbers only: adding lists is quadratic inside one C call."""
    if not isinstance(start, int | float | complex):
        raise TypeError("sum() adds numbers only")
    return sum(items, start)


def guarded_getattr(obj: Any, name: str, default: Any = None) -> Any:
    """RestrictedPython's safer_getattr, minus `mro` and with sized padding/replace/join."""
    if name in DENIED_ATTRIBUTES:
        raise AttributeError(f'"{name}" is not accessible from model code')
    value = safer_getattr(obj, name, default)
    if isinstance(obj, str | bytes) and name in _PADDING | {"replace", "join"}:
        return _sized_method(obj, name, value)
    return value


def _sized_method(obj: str | bytes, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        if name in _PADDING:
            _check_length(max([len(obj), *(a for a in args if isinstance(a, int))]))
        elif name == "replace" and len(args) >= 2:
            old, new = args[0], args[1]
            _check_length(len(obj) + (obj.count(old) + 1) * max(0, len(new) - len(old)))
        elif name == "join" and args:
            items = list(args[0])
            parts = sum(len(i) for i in items if isinstance(i, str | bytes))
            _check_length(len(obj) * len(items) + parts)
            args = (items, *args[1:])
        return method(*args)

    return call


def ticking_iter(tick: Callable[[], None]) -> Callable[[Any], Iterator[Any]]:
    """RestrictedPython's `_getiter_`: iterate, checking the deadline every 256 items."""

    def getiter(ob: Any) -> Iterator[Any]:
        for count, item in enumerate(ob):
            if not count & 255:
                tick()
            yield item

    return getiter


def _call(name: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=ast.Name(name, ast.Load()), args=list(args), keywords=[])


def _tick_stmt(anchor: ast.AST) -> ast.stmt:
    stmt: ast.stmt = ast.fix_missing_locations(ast.copy_location(ast.Expr(_call(TICK)), anchor))
    return stmt


class SandboxPolicy(RestrictingNodeTransformer):  # type: ignore[misc]
    """RestrictedPython's transformer plus deadline checks and sized operators."""

    def visit_While(self, node: ast.While) -> ast.AST:
        node = self.node_contents_visit(node)
        node.body.insert(0, _tick_stmt(node))
        return node

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> ast.AST:
        node = super().visit_ExceptHandler(node)
        node.body.insert(0, _tick_stmt(node))
        return node

    def visit_Try(self, node: ast.Try) -> ast.AST:
        node = self.node_contents_visit(node)
        if node.finalbody:
            node.finalbody.insert(0, _tick_stmt(node))
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        node = self.node_contents_visit(node)
        op = _OPS.get(type(node.op))
        if op is None:
            return node
        self._refuse_constant_bomb(node, op)
        call = _call(BINOP, ast.Constant(op), node.left, node.right)
        return ast.fix_missing_locations(ast.copy_location(call, node))

    def _refuse_constant_bomb(self, node: ast.BinOp, op: str) -> None:
        left, right = _constant(node.left), _constant(node.right)
        if left is _UNKNOWN or right is _UNKNOWN:
            return
        try:
            check_binop(op, left, right)
        except ResourceLimit as exc:
            self.error(node, str(exc))

    def visit_FormattedValue(self, node: ast.FormattedValue) -> ast.AST:
        spec = node.format_spec
        if spec is not None:
            parts = spec.values if isinstance(spec, ast.JoinedStr) else [spec]
            texts = [str(p.value) for p in parts if isinstance(p, ast.Constant)]
            if len(texts) != len(parts):
                self.error(node, "f-string format specs must be constant")
            elif any(re.search(r"\d{7,}", text) for text in texts):
                self.error(node, "f-string format spec with a huge width is not allowed")
        visited: ast.AST = self.node_contents_visit(node)
        return visited


_UNKNOWN = object()


def _constant(node: ast.AST) -> Any:
    """The value of a constant operand, including `_binop_` calls already folded from constants."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _constant(node.operand)
        return -value if isinstance(value, int | float) else _UNKNOWN
    is_binop = isinstance(node, ast.Call) and getattr(node.func, "id", None) == BINOP
    if is_binop and isinstance(node, ast.Call) and len(node.args) == 3:
        op, left, right = (_constant(a) for a in node.args)
        if _UNKNOWN not in (op, left, right):
            try:
                return guarded_binop(op, left, right)
            except (ResourceLimit, ArithmeticError, TypeError, ValueError):
                return _UNKNOWN
    return _UNKNOWN
