"""Scripts, conditions, timer expressions and DMN entries, run under RestrictedPython.

SpiffWorkflow's default environment is plain exec/eval: it runs `import os` as the server's user.
Here every piece of model code is compiled with `compile_restricted`, attribute access is guarded,
there are no imports, no dunder names, no `open`, only whitelisted helpers, and a time limit.
"""

from __future__ import annotations

import ast
import datetime as _dt
import json
import math
import sys
import threading
import time
from collections.abc import Callable, Mapping
from functools import lru_cache
from types import CodeType, FrameType
from typing import Any

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Eval import default_guarded_getitem
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safe_builtins,
)
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine.spiff.bounded import bounded_expression, bounded_script, check_size
from engine.spiff.sandbox import (
    BINOP,
    TICK,
    ResourceLimit,
    SandboxPolicy,
    guarded_binop,
    guarded_getattr,
    guarded_inplace,
    guarded_pow,
    guarded_range,
    guarded_sum,
    ticking_iter,
)
from engine.spiff.workers import Job, WorkerPool, shared_pool

Helper = Callable[..., Any]
ServiceHandler = Callable[..., Any]


class ScriptRejected(Exception):
    """Model code that RestrictedPython refuses to compile (imports, dunders, syntax)."""


class ScriptTimeout(ResourceLimit):
    """Model code that ran past its time limit."""


class ScriptError(Exception):
    """Model code evaluated outside SpiffWorkflow (e.g. a dueIn expression) failed."""


# Exceptions that are not errors: raised by model code they would tear through every handler.
_NOT_ERRORS = ("BaseException", "SystemExit", "KeyboardInterrupt", "GeneratorExit")
# Modules C code imports on model code's behalf (datetime.strftime/strptime, date.today).
_C_IMPORTS = frozenset({"time", "_strptime"})


def _c_import(name: str, *args: Any, **kwargs: Any) -> Any:
    """`__import__` for C code only: scripts cannot name it, and imports are refused at compile."""
    if name not in _C_IMPORTS:
        raise ImportError(f"import of {name!r} is not allowed")
    return __import__(name, *args, **kwargs)


def _safe_builtins() -> dict[str, Any]:
    allowed = dict(safe_builtins)
    for name in ("__build_class__", "id", "hash", *_NOT_ERRORS):
        allowed.pop(name, None)
    for name in ("min", "max", "any", "all", "sorted", "enumerate", "zip", "map"):
        allowed[name] = (
            __builtins__[name] if isinstance(__builtins__, dict) else getattr(__builtins__, name)
        )
    allowed.update(dict=dict, list=list, set=set, tuple=tuple, reversed=reversed, filter=filter)
    allowed.update(range=guarded_range, pow=guarded_pow, sum=guarded_sum)
    allowed.update(_getattr_=guarded_getattr, __import__=_c_import)
    return allowed


BUILTINS = _safe_builtins()
GUARDS: dict[str, Any] = {
    "__builtins__": BUILTINS,
    "_getattr_": guarded_getattr,
    "_getitem_": default_guarded_getitem,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": full_write_guard,
    "_inplacevar_": guarded_inplace,
    BINOP: guarded_binop,
}


def _json_dumps(value: Any, *, indent: int | None = None, sort_keys: bool = False) -> str:
    """json.dumps for scripts: no custom encoders, a sane indent."""
    if indent is not None and not 0 <= indent <= 8:
        raise ValueError("indent must be between 0 and 8")
    return json.dumps(value, indent=indent, sort_keys=sort_keys, default=str)


STANDARD_HELPERS: dict[str, Any] = {
    "datetime": _dt.datetime,
    "date": _dt.date,
    "timedelta": _dt.timedelta,
    "timezone": _dt.timezone,
    "json_dumps": _json_dumps,
    "floor": math.floor,
    "ceil": math.ceil,
}


@lru_cache(maxsize=4096)
def compile_expression(source: str) -> CodeType:
    """Compile one expression under RestrictedPython, or raise ScriptRejected."""
    result = compile_restricted_eval(source.strip(), "<expression>", policy=SandboxPolicy)
    if result.errors or result.code is None:
        raise ScriptRejected("; ".join(result.errors) or "cannot compile")
    code: CodeType = result.code
    return code


@lru_cache(maxsize=4096)
def compile_script(source: str) -> CodeType:
    """Compile one script under RestrictedPython, or raise ScriptRejected."""
    _refuse_imports(source)
    result = compile_restricted_exec(source, "<script>", policy=SandboxPolicy)
    if result.errors or result.code is None:
        raise ScriptRejected("; ".join(result.errors) or "cannot compile")
    script: CodeType = result.code
    return script


def _refuse_imports(source: str) -> None:
    """Imports fail at run time anyway (no __import__); refusing them here names the line."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ScriptRejected(f"line {exc.lineno}: {exc.msg}") from exc
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            raise ScriptRejected(f"line {node.lineno}: import is not allowed")


def check_source(source: str, *, expression: bool) -> str | None:
    """The reason model code would be refused, or None (used at deploy)."""
    try:
        (compile_expression if expression else compile_script)(source)
    except ScriptRejected as exc:
        return str(exc)
    return None


class _Deadline:
    """Stops model code after its time limit: a call/line tracer plus checks the policy inserts.

    In-process this is the only guard; in a worker it is the polite one, and the parent's kill
    is the one that cannot be switched off."""

    def __init__(self, seconds: float) -> None:
        self.until = time.monotonic() + seconds
        self.seconds = seconds

    def check(self) -> None:
        if time.monotonic() > self.until:
            raise ScriptTimeout(f"script ran longer than {self.seconds:g} s")

    def __call__(self, frame: FrameType, event: str, arg: Any) -> Any:
        self.check()
        return self

    def run(self, code: CodeType, namespace: dict[str, Any]) -> Any:
        namespace[TICK] = self.check
        namespace["_getiter_"] = ticking_iter(self.check)
        previous = sys.gettrace()
        sys.settrace(self)
        try:
            return eval(code, namespace)
        finally:
            sys.settrace(previous)


class Sandbox:
    """Evaluates model code in the current process under RestrictedPython and a deadline."""

    def __init__(self, helpers: Mapping[str, Helper] | None = None) -> None:
        self.globals: dict[str, Any] = {**STANDARD_HELPERS, **(helpers or {})}

    def _namespace(
        self, context: Mapping[str, Any], extra: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        clash = set(self.globals).intersection(context)
        if clash:
            raise ValueError(f"task data overwrites helper name(s): {', '.join(sorted(clash))}")
        return {**GUARDS, **self.globals, **(extra or {}), **context}

    def evaluate(
        self, expression: str, context: Mapping[str, Any], extra: Any, seconds: float
    ) -> Any:
        code = compile_expression(expression)
        return _Deadline(seconds).run(code, self._namespace(context, extra))

    def execute(
        self, script: str, context: Mapping[str, Any], extra: Any, seconds: float
    ) -> dict[str, Any]:
        """Run a script; the task data it leaves (new and changed names, minus deleted ones)."""
        code = compile_script(script)
        namespace = self._namespace(context, extra)
        reserved = set(GUARDS) | set(self.globals) | set(extra or {})
        _Deadline(seconds).run(code, namespace)
        return {
            key: value
            for key, value in namespace.items()
            if key in context
            or (key not in reserved and not callable(value) and not key.startswith("_"))
        }


# Names the engine itself puts into a case's data, or that model code relies on: start data
# may not bring them (a key `date` would make every script that calls date() fail).
ENGINE_NAMES = frozenset(
    {*GUARDS, *BUILTINS, "case_reference", "referring_organization", "dmninputexpr"}
)


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):  # type: ignore[misc]
    """The only environment Percorsi gives SpiffWorkflow.

    Code that engine/spiff/bounded.py proves bounded runs in-process; everything else runs in
    a worker process (engine/spiff/workers.py). All the model code of one command shares one
    time budget (the time spent evaluating, not the command's own database work), so model
    code never holds a case's lock longer than the time limit."""

    def __init__(
        self,
        helpers: Mapping[str, Helper] | None = None,
        services: Mapping[str, ServiceHandler] | None = None,
        time_limit: float = 2.0,
        memory_mb: int = 256,
        idle_workers: int = 2,
    ) -> None:
        self.sandbox = Sandbox(helpers)
        super().__init__(self.sandbox.globals)
        self.services = dict(services or {})
        self.time_limit = time_limit
        self.isolation = "auto"  # "auto": bounded code in-process; "always"; "never" (bench)
        self._helper_names = frozenset(helpers or {}) | frozenset(STANDARD_HELPERS)
        self._pool_args = (Sandbox, dict(helpers or {}), memory_mb * 1024 * 1024, idle_workers)
        self._budget = threading.local()

    @property
    def pool(self) -> WorkerPool:
        return shared_pool(*self._pool_args)

    def callable_names(self) -> frozenset[str]:
        """What model code may call: the helpers and the sandbox's builtins."""
        return frozenset(self.globals) | frozenset(BUILTINS)

    def reserved_names(self) -> frozenset[str]:
        """Names start data may not use: helpers, builtins and the engine's own keys."""
        return frozenset(self.globals) | ENGINE_NAMES

    def begin_command(self) -> None:
        """Start the time budget of one command's model code (only model code counts)."""
        self._budget.spent = 0.0

    def _seconds(self) -> float:
        left = self.time_limit - float(getattr(self._budget, "spent", 0.0))
        if left <= 0:
            raise ScriptTimeout(f"script ran longer than {self.time_limit:g} s in this command")
        return left

    def _spend(self, seconds: float) -> None:
        self._budget.spent = float(getattr(self._budget, "spent", 0.0)) + seconds

    def _in_worker(self, job: Job) -> Any:
        try:
            value, elapsed = self.pool.run(job)
        except ResourceLimit:
            self._spend(job[-1])  # a job stopped at its limit used all it was given
            raise
        self._spend(elapsed)
        return value

    def _here(self, run: Callable[[], Any]) -> Any:
        started = time.monotonic()
        try:
            return run()
        finally:
            self._spend(time.monotonic() - started)

    def _in_process(self, bounded: Callable[[str, frozenset[str]], bool], source: str) -> bool:
        if self.isolation == "never":
            return True
        return self.isolation == "auto" and bounded(source, self._helper_names)

    def evaluate(
        self, expression: str, context: dict[str, Any], external_context: Any = None
    ) -> Any:
        compile_expression(expression)  # RestrictedPython's refusal comes first, in-process
        seconds = self._seconds()
        if self._in_process(bounded_expression, expression):
            sandbox = self.sandbox
            value = self._here(
                lambda: sandbox.evaluate(expression, context, external_context, seconds)
            )
            check_size(value)
            return value
        return self._in_worker(("eval", expression, dict(context), external_context, seconds))

    def evaluate_checked(self, expression: str, context: dict[str, Any]) -> Any:
        """Evaluate model code for the engine itself; any failure becomes ScriptError."""
        try:
            return self.evaluate(expression, context)
        except Exception as exc:  # model code may raise anything; the caller records it
            raise ScriptError(f"{expression!r}: {type(exc).__name__}: {exc}") from exc

    def execute(self, script: str, context: dict[str, Any], external_context: Any = None) -> bool:
        compile_script(script)
        seconds = self._seconds()
        if self._in_process(bounded_script, script):
            sandbox = self.sandbox
            result = self._here(lambda: sandbox.execute(script, context, external_context, seconds))
            check_size(result)
        else:
            result = self._in_worker(("exec", script, dict(context), external_context, seconds))
        context.clear()
        context.update(result)
        return True

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> str:
        name = kwargs["operation_name"]
        handler = self.services.get(name)
        if handler is None:
            raise LookupError(f"no service handler registered as {name!r}")
        params = {k: v["value"] for k, v in kwargs.get("operation_params", {}).items()}
        return json.dumps(handler(dict(context), **params), default=str)


class RestrictedScriptEngine(PythonScriptEngine):  # type: ignore[misc]
    """SpiffWorkflow's script engine bound to the restricted environment."""

    def __init__(self, environment: RestrictedEnvironment) -> None:
        super().__init__(environment=environment)

    def validate(self, expression: str) -> None:
        ast.parse(expression)

    def call_service(self, task: Any, **kwargs: Any) -> str:
        try:
            return str(self.environment.call_service(task.data, **kwargs))
        except SpiffWorkflowException:
            raise
        except Exception as exc:
            raise WorkflowTaskException(
                f"service {kwargs.get('operation_name')!r} failed: {exc}", task=task, exception=exc
            ) from exc
