"""Model code behind a process boundary: a pool of reused worker processes with hard limits.

RestrictedPython and the deadline checks of engine/spiff/sandbox.py run in-process and can be
defeated from inside: a RecursionError raised inside the trace function switches the tracer
off, and one C-level call (`pow(a, b, m)`, `(0).to_bytes(n)`, `str` of shared references)
never reaches a check at all. So model code that engine/spiff/bounded.py cannot prove bounded
runs in a worker process started by `multiprocessing` (forkserver), where:
- `RLIMIT_AS` caps the worker's address space: a MemoryError, or the kernel ends it;
- `RLIMIT_CPU` caps its CPU time per job: SIGXCPU ends it;
- the parent waits at most the time limit (plus a little) and then kills it with SIGKILL.
A killed worker is replaced by a new one on the next job. Nothing the worker sends back is
trusted: its reply is size-limited and unpickled with a whitelist of plain data types.
"""

from __future__ import annotations

import atexit
import io
import math
import multiprocessing
import os
import pickle
import resource
import sys
import threading
import time
from collections.abc import Callable, Mapping
from multiprocessing import spawn
from multiprocessing.connection import Connection
from typing import Any

from engine.spiff.bounded import check_size
from engine.spiff.sandbox import ResourceLimit

GRACE = 0.25  # seconds the parent waits past a job's limit before killing its worker
STARTUP_SECONDS = 30.0  # a busy machine may take this long to start a worker
MAX_REPLY = 32 * 1024 * 1024  # bytes of one pickled reply
Job = tuple[str, str, dict[str, Any], dict[str, Any] | None, float]
Helpers = Mapping[str, Callable[..., Any]]


class WorkerDied(ResourceLimit):
    """The worker ended while running model code: it hit its CPU or memory limit."""


class WorkerTimeout(ResourceLimit):
    """The worker did not answer within the job's time limit and was killed."""


class ModelCodeFailed(Exception):
    """Model code raised an ordinary error in the worker (its type and message are kept)."""


# -- the worker side --------------------------------------------------------------------------


def _address_space() -> int:
    """The bytes of virtual memory this process has mapped now."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _limit_memory(extra_bytes: int) -> None:
    """Cap the address space at what is mapped now plus `extra_bytes`."""
    limit = _address_space() + extra_bytes
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _limit_cpu(seconds: float) -> None:
    """Let the next job use about `seconds` of CPU on top of what this worker has used."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    spent = used.ru_utime + used.ru_stime
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    soft = math.ceil(spent + seconds) + 1
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def serve(
    conn: Connection, sandbox_class: Callable[[Helpers], Any], helpers: Helpers, memory_bytes: int
) -> None:
    """A worker's life: set the memory limit, then evaluate jobs until the pipe closes."""
    sandbox = sandbox_class(helpers)
    _limit_memory(memory_bytes)
    conn.send_bytes(b"ready")  # the parent starts a job's clock only now
    while True:
        try:
            job: Job = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return
        conn.send_bytes(_reply(sandbox, job))


def _reply(sandbox: Any, job: Job) -> bytes:
    kind, source, context, extra, seconds = job
    _limit_cpu(seconds)
    try:
        if kind == "eval":
            value = sandbox.evaluate(source, context, extra, seconds)
        else:
            value = sandbox.execute(source, context, extra, seconds)
        check_size(value)
        reply = pickle.dumps(("ok", value))
    except MemoryError:
        reply = pickle.dumps(("limit", "model code ran out of memory"))
    except ResourceLimit as exc:
        reply = pickle.dumps(("limit", str(exc)))
    except Exception as exc:  # model code may raise anything: its type and text are reported
        reply = pickle.dumps(("error", f"{type(exc).__name__}: {_text(exc)}"))
    if len(reply) > MAX_REPLY:
        reply = pickle.dumps(("limit", f"model code produced a value above {MAX_REPLY} bytes"))
    return reply


def _text(exc: BaseException) -> str:
    try:
        return str(exc)[:2000]
    except Exception:  # a str() that fails is still an error to report
        return "(no message)"


# -- the parent side --------------------------------------------------------------------------

_SAFE_GLOBALS = {
    ("datetime", "date"),
    ("datetime", "datetime"),
    ("datetime", "time"),
    ("datetime", "timedelta"),
    ("datetime", "timezone"),
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("builtins", "complex"),
    ("builtins", "slice"),
    ("builtins", "range"),
}


class _DataUnpickler(pickle.Unpickler):
    """Unpickles plain data only: a worker's reply can never name a callable to run."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _SAFE_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"model code returned a {module}.{name}, not plain data")


def load_reply(data: bytes) -> Any:
    return _DataUnpickler(io.BytesIO(data)).load()


class _Worker:
    def __init__(self, process: Any, conn: Connection) -> None:
        self.process = process
        self.conn = conn

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class WorkerPool:
    """Reused worker processes; a job takes an idle one or starts one, so nobody waits."""

    def __init__(
        self,
        sandbox_class: Callable[[Helpers], Any],
        helpers: Helpers,
        memory_bytes: int,
        idle: int,
    ) -> None:
        self.sandbox_class = sandbox_class
        self.helpers = dict(helpers)
        self.memory_bytes = memory_bytes
        self.idle_max = idle
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(["engine.spiff.scripting"])

    def run(self, job: Job) -> tuple[Any, float]:
        """Run one job in a worker: its value (or what it raised), and the seconds it took
        from sending to the reply (starting a worker is not counted)."""
        seconds = job[-1]
        worker = self._take()
        started = time.monotonic()
        try:
            worker.conn.send_bytes(pickle.dumps(job))
            if not worker.conn.poll(seconds + GRACE):
                worker.stop()
                raise WorkerTimeout(f"script ran longer than {seconds:g} s (its process was ended)")
            status, value = load_reply(worker.conn.recv_bytes())
        except (EOFError, OSError, pickle.UnpicklingError) as exc:
            worker.stop()
            if isinstance(exc, pickle.UnpicklingError):
                raise ResourceLimit(str(exc)) from exc
            raise WorkerDied("model code hit its CPU or memory limit (its process ended)") from exc
        elapsed = time.monotonic() - started
        self._give_back(worker)
        if status == "limit":
            raise ResourceLimit(value)
        if status == "error":
            raise ModelCodeFailed(value)
        return value, elapsed

    def _take(self) -> _Worker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.process.is_alive():
                    return worker
                worker.stop()
        return self._start()

    def _start(self) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=serve,
            args=(child, self.sandbox_class, self.helpers, self.memory_bytes),
            daemon=True,
            name="percorsi-model-code",
        )
        with _START_LOCK:
            # A worker runs model code only: it must not re-run the parent's main script
            # (multiprocessing would, to find functions defined there; ours live in modules).
            prepare = spawn.get_preparation_data
            spawn.get_preparation_data = _without_main(prepare)  # type: ignore[assignment]
            try:
                process.start()
            finally:
                spawn.get_preparation_data = prepare
        child.close()
        worker = _Worker(process, parent)
        try:
            if not parent.poll(STARTUP_SECONDS) or parent.recv_bytes() != b"ready":
                raise OSError("no answer")
        except (EOFError, OSError) as exc:
            worker.stop()
            raise WorkerDied(f"a model-code worker did not start: {exc}") from exc
        return worker

    def _give_back(self, worker: _Worker) -> None:
        with self._lock:
            if len(self._idle) < self.idle_max:
                self._idle.append(worker)
                return
        worker.stop()

    def close(self) -> None:
        with self._lock:
            workers, self._idle = self._idle, []
        for worker in workers:
            worker.stop()


_START_LOCK = threading.Lock()


def _without_main(prepare: Callable[[str], dict[str, Any]]) -> Callable[[str], dict[str, Any]]:
    def preparation(name: str) -> dict[str, Any]:
        main = sys.modules["__main__"]
        saved = (getattr(main, "__spec__", None), getattr(main, "__file__", None))
        main.__spec__ = None
        if saved[1] is not None:
            del main.__file__
        try:
            data = prepare(name)
        finally:
            main.__spec__ = saved[0]
            if saved[1] is not None:
                main.__file__ = saved[1]
        return data

    return preparation


_POOLS: dict[tuple[Any, ...], WorkerPool] = {}
_POOLS_LOCK = threading.Lock()


def shared_pool(
    sandbox_class: Callable[[Helpers], Any], helpers: Helpers, memory_bytes: int, idle: int
) -> WorkerPool:
    """One pool per process and helper set: engines built in one process share its workers."""
    key = (tuple(sorted((n, id(f)) for n, f in helpers.items())), memory_bytes, idle)
    with _POOLS_LOCK:
        pool = _POOLS.get(key)
        if pool is None or os.getpid() != _POOL_PID.get(key):
            pool = _POOLS[key] = WorkerPool(sandbox_class, helpers, memory_bytes, idle)
            _POOL_PID[key] = os.getpid()
        return pool


_POOL_PID: dict[tuple[Any, ...], int] = {}


@atexit.register
def _close_pools() -> None:
    for pool in list(_POOLS.values()):
        pool.close()
