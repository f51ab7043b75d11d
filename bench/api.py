"""API benchmark: one case of a one-user-task process with a form, through HTTP, per iteration.

start the case -> find its task in the worklist -> fetch the task with its form -> complete it ->
read the case back as completed. One server worker in its own process -- ONE gunicorn sync
worker on web.wsgi:app as in production (a new connection per request, as sync workers close
them), and for comparison the werkzeug development server (single-threaded, HTTP/1.1
keep-alive) -- SQLite in WAL mode, a bearer token. Prints the median and p90 per case, and per
step, for each server.

    .venv/bin/python bench/api.py [--cases 300] [--warmup 30] [--server gunicorn|werkzeug|both]
                                  [--workload bench|issue14|both]
                                  [--profile]   (profiles the werkzeug worker)

Issue 14's workload (the comparison with SpiffArena): the same five requests on a database
holding the demo's 200 cases, as giulia.rossi, the worklist step reading her pathway's page of
unclaimed tasks, a new TCP connection per request; under gunicorn and under `percorsi serve`
(what `make run` starts: the threaded development server with the scheduler inside). Its target
is 7.5 ms of server CPU per case.
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import json
import multiprocessing
import os
import pstats
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.layers import layers_of, print_layers
from bench.servers import cpu_seconds, free_port, gunicorn_worker, request_floor
from engine import SYSTEM, Settings
from engine.commands.accounts import create_token, create_user, ensure_organization
from engine.commands.deployment import deploy_model
from engine.store.schema import upgrade
from web.composition import build_engine, bundled_files
from workflows.demo import create_demo
from workflows.seed import seed_network

BPMN = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d"
  targetNamespace="http://percorsi.bench">
  <bpmn:process id="one_task" name="One task" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="intake" name="Intake">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="candidateGroups" value="case_manager" />
        <spiffworkflow:property name="organization" value="comune_cremona" />
        <spiffworkflow:property name="dueIn" value="P10D" />
        <spiffworkflow:property name="formKey" value="bench_intake.json" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="intake" />
    <bpmn:sequenceFlow id="f2" sourceRef="intake" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>"""
FORM = {
    "type": "object",
    "required": ["resident", "urgency"],
    "properties": {
        "resident": {"type": "boolean"},
        "urgency": {"type": "string", "enum": ["low", "medium", "high"]},
    },
}
STEPS = ("start", "worklist", "task", "complete", "read")
# Server CPU per case when issue 14 was filed (quiet machine, load below 1.2).
ISSUE14_BASELINE_MS = {"gunicorn": 22.7, "serve": 32.4}


def prepare(directory: Path, lived_in: bool = False) -> tuple[str, str]:
    """A migrated SQLite database with the model deployed; its URL and a case manager's token.

    `lived_in`: the network and the demo's 200 cases first, and the token is giulia.rossi's
    (who holds about 40 of them): the worklist and the reads work on a realistic database."""
    url = f"sqlite:///{directory / 'bench.db'}"
    engine = build_engine(Settings.from_env({}, database_url=url, secret_key="bench"))
    upgrade(engine.db)
    with engine.uow() as uow:
        ensure_organization(uow, "comune_cremona", "Comune di Cremona")
        uow.commit()
    user = "giulia"
    if lived_in:
        with engine.uow() as uow:
            seed_network(uow)
        with engine.uow() as uow:
            deploy_model(uow, bundled_files(), SYSTEM)
        create_demo(engine, 200)
        user = "giulia.rossi"
    with engine.uow() as uow:
        if not lived_in:
            create_user(uow, user, memberships=[("comune_cremona", "case_manager")])
        token = create_token(uow, user, "bench").token
        uow.commit()
    with engine.uow() as uow:
        files = {"one_task.bpmn": BPMN, "bench_intake.json": json.dumps(FORM).encode()}
        deploy_model(uow, files, SYSTEM)
    engine.dispose()
    return url, token


def serve(url: str, port: int, ready: Any, profile: str | None) -> None:
    """One werkzeug worker, single-threaded, with keep-alive."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    from web.app import create_app

    class KeepAlive(WSGIRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_request(self, *args: Any, **kwargs: Any) -> None:
            pass

    engine = build_engine(Settings.from_env({}, database_url=url, secret_key="bench"))
    server = make_server("127.0.0.1", port, create_app(engine=engine), request_handler=KeepAlive)
    ready.set()
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        if profiler and profile:
            profiler.disable()
            profiler.dump_stats(profile)


class Client:
    """A keep-alive HTTP client with the bearer token."""

    def __init__(self, port: int, token: str, lived_in: bool = False) -> None:
        self.port = port
        self.lived_in = lived_in
        self.conn = http.client.HTTPConnection("127.0.0.1", port)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call(self, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        payload = json.dumps(body) if body is not None else None
        if self.lived_in:  # a new connection per request, as a client without a pool opens
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port)
        self.conn.request(method, path, body=payload, headers=self.headers)
        response = self.conn.getresponse()
        data = response.read()
        if self.lived_in:
            self.conn.close()
        if response.status != expect:
            raise SystemExit(f"{method} {path}: {response.status} {data[:300]!r}")
        return json.loads(data)


def one_case(client: Client, timings: dict[str, list[float]]) -> float:
    """Run the workload once; seconds taken."""
    began = mark = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        timings[step].append(now - mark)
        mark = now

    case = client.call("POST", "/api/v1/cases", {"process_id": "one_task", "data": {}}, 201)
    ref = case["reference"]
    lap("start")
    if client.lived_in:  # the worklist page of the pathway, as the UI's filter asks it
        items = client.call("GET", "/api/v1/tasks?process=one_task&assignee=none")["items"]
        [task] = [t for t in items if t["case"] == ref]
    else:
        [task] = client.call("GET", f"/api/v1/tasks?case={ref}")["items"]
    lap("worklist")
    detail = client.call("GET", f"/api/v1/tasks/{task['id']}")
    assert detail["form"]["required"] == ["resident", "urgency"]
    lap("task")
    data = {"resident": True, "urgency": "low"}
    client.call("POST", f"/api/v1/tasks/{task['id']}/complete", {"data": data})
    lap("complete")
    final = client.call("GET", f"/api/v1/cases/{ref}")
    assert final["status"] == "completed", final["status"]
    lap("read")
    return time.perf_counter() - began


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[-1]


def with_werkzeug(args: argparse.Namespace, url: str, token: str, tmp: str) -> None:
    """The workload against the werkzeug development server, in a child process."""
    port = free_port()
    profile = str(Path(tmp) / "server.prof") if args.profile else None
    ready = multiprocessing.Event()
    worker = multiprocessing.Process(target=serve, args=(url, port, ready, profile))
    worker.start()
    ready.wait(30)
    try:
        run(args, token, port, worker.pid or 0, "one werkzeug worker (keep-alive)")
    finally:
        if worker.pid is not None:
            os.kill(worker.pid, signal.SIGINT)
        worker.join(10)
    if profile:
        pstats.Stats(profile).sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(40)


def with_gunicorn(args: argparse.Namespace, url: str, token: str) -> None:
    """The workload against ONE gunicorn sync worker serving web.wsgi:app, as in production."""
    with gunicorn_worker("web.wsgi:app", url) as (port, worker):
        run(args, token, port, worker, "one gunicorn sync worker")
    if getattr(args, "lived_in", False):
        with gunicorn_worker("bench.bare_app:app", url) as (port, worker):
            floor = request_floor(port, worker)
        print(
            f"the stack's own floor: {floor * 1000:.2f} ms CPU per request (the same gunicorn"
            f" worker, a bare Flask view, no Percorsi code), {5 * floor * 1000:.2f} ms of the"
            " case's 5 requests"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--server", choices=("gunicorn", "werkzeug", "both"), default="both")
    parser.add_argument("--profile", action="store_true", help="profile the werkzeug worker")
    parser.add_argument(
        "--workload",
        choices=("bench", "issue14", "both"),
        default="both",
        help="bench: an empty database, keep-alive, the case's tasks; issue14: the demo's 200"
        " cases, a connection per request, the pathway's worklist page (issue 14's comparison)",
    )
    args = parser.parse_args()
    if args.workload in ("bench", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            url, token = prepare(Path(tmp))
            if args.server in ("gunicorn", "both"):
                with_gunicorn(args, url, token)
            if args.server in ("werkzeug", "both"):
                with_werkzeug(args, url, token, tmp)
    if args.workload in ("issue14", "both"):
        args.lived_in = True
        with tempfile.TemporaryDirectory() as tmp:
            url, token = prepare(Path(tmp), lived_in=True)
            if args.server in ("gunicorn", "both"):
                with_gunicorn(args, url, token)
            if args.server in ("werkzeug", "both"):
                with_serve(args, url, token)
            app_layers(url, token, args.cases)


def with_serve(args: argparse.Namespace, url: str, token: str) -> None:
    """The workload against `percorsi serve`, what `make run` starts (scheduler included)."""
    port = free_port()
    root = Path(__file__).resolve().parent.parent
    env = dict(
        os.environ, PERCORSI_DATABASE_URL=url, PERCORSI_SECRET_KEY="bench", PYTHONPATH=str(root)
    )
    # `percorsi serve`, from this checkout's code (the console script's own entry point)
    command = [sys.executable, "-c", "from web.cli import main; main()", "serve"]
    server = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        run(args, token, port, server.pid, "percorsi serve (as `make run`)")
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(20)


class InProcess(Client):
    """The same calls through Flask's test client: no server, no sockets."""

    def __init__(self, url: str, token: str) -> None:
        from web.app import create_app

        engine = build_engine(Settings.from_env({}, database_url=url, secret_key="bench"))
        self.app = create_app(engine=engine)
        self.client = self.app.test_client()
        self.lived_in = True
        self.headers = {"Authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        response = self.client.open(path, method=method, json=body, headers=self.headers)
        if response.status_code != expect:
            raise SystemExit(f"{method} {path}: {response.status_code} {response.data[:300]!r}")
        return response.get_json()


def app_layers(url: str, token: str, cases: int) -> None:
    """Where the app's CPU goes on issue 14's workload, by layer: the WSGI app alone, profiled
    in-process (what stands between the figure and the 7.5 ms target)."""
    client = InProcess(url, token)
    inner, profiler, spent, profiling = client.app.wsgi_app, cProfile.Profile(), [0.0], [False]

    def measured(environ: Any, start_response: Any) -> Any:
        began = time.process_time()
        if profiling[0]:
            profiler.enable()
        try:
            return inner(environ, start_response)
        finally:
            if profiling[0]:
                profiler.disable()
            spent[0] += time.process_time() - began

    client.app.wsgi_app = measured  # type: ignore[method-assign]
    steps: dict[str, list[float]] = {s: [] for s in STEPS}
    for _ in range(30):
        one_case(client, steps)
    spent[0] = 0.0
    for _ in range(cases):
        one_case(client, steps)
    plain = spent[0] * 1000 / cases
    profiling[0] = True
    for _ in range(cases):
        one_case(client, steps)
    load = os.getloadavg()[0]
    print(f"\nwhere issue 14's case goes inside the app (in-process, SQLite, load {load:.1f}):")
    print_layers("the WSGI app's CPU", plain, layers_of(profiler, cases))


def run(args: argparse.Namespace, token: str, port: int, server_pid: int, server: str) -> None:
    lived_in = bool(getattr(args, "lived_in", False))
    client = Client(port, token, lived_in)
    for _ in range(args.warmup):
        one_case(client, {s: [] for s in STEPS})
    timings: dict[str, list[float]] = {s: [] for s in STEPS}
    cpu_before = cpu_seconds(server_pid)
    totals = [one_case(client, timings) for _ in range(args.cases)]
    server_cpu = (cpu_seconds(server_pid) - cpu_before) / args.cases
    ms = 1000.0
    median = statistics.median(totals)
    workload = "issue 14's (demo data, new connections)" if lived_in else "bench's"
    print(f"\n{workload} API workload, {args.cases} cases (5 requests each), {server}, SQLite")
    print(f"per case: median {median * ms:.2f} ms, p90 {p90(totals) * ms:.2f} ms (wall clock)")
    print(f"server worker CPU per case: {server_cpu * ms:.2f} ms (mean; independent of other load)")
    for step in STEPS:
        values = timings[step]
        print(
            f"  {step:<9} median {statistics.median(values) * ms:.2f} ms,"
            f" p90 {p90(values) * ms:.2f} ms"
        )
    if lived_in:
        floor = request_floor(port, server_pid)
        print(
            f"the server's floor: {floor * ms:.2f} ms CPU per request (GET /healthz: the server,"
            f" Flask, Percorsi's request hooks and one SELECT 1), {5 * floor * ms:.2f} ms of the"
            f" case's 5 requests; the work itself: {(server_cpu - 5 * floor) * ms:.2f} ms"
        )
        met = "met" if server_cpu <= 0.0075 else "NOT met"
        print(f"target: server CPU <= 7.5 ms per case (issue 14) -> {met}")
        before = ISSUE14_BASELINE_MS["gunicorn" if "gunicorn" in server else "serve"]
        print(
            f"against issue 14's figure on a quiet machine ({before} ms):"
            f" {server_cpu * ms / before:.2f}x"
        )
    else:
        print(f"target: median <= 5 ms per case -> {'met' if median <= 0.005 else 'NOT met'}")
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
