"""Servers for the API benchmark (bench/api.py): a free port, ONE gunicorn sync worker serving
an app, and the CPU a server process and its workers use (Linux /proc)."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def gunicorn_worker(app: str, url: str) -> Iterator[tuple[int, int]]:
    """ONE gunicorn sync worker serving `app`: its port and the worker's pid."""
    port = free_port()
    root = Path(__file__).resolve().parent.parent
    env = dict(
        os.environ, PERCORSI_DATABASE_URL=url, PERCORSI_SECRET_KEY="bench", PYTHONPATH=str(root)
    )
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        *("--workers", "1", "--worker-class", "sync", "--bind", f"127.0.0.1:{port}"),
        *("--log-level", "warning", app),
    ]
    # Its request log goes nowhere: written (the worker's CPU counts it), never read here.
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    master = subprocess.Popen(command, env=env, cwd=root, **quiet)
    try:
        yield port, wait_for_worker(master, port)
    finally:
        master.send_signal(signal.SIGTERM)
        master.wait(20)


def wait_for_worker(master: subprocess.Popen[bytes], port: int) -> int:
    """The gunicorn worker's pid, once the server answers."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if master.poll() is not None:
            raise SystemExit(f"gunicorn exited with {master.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                pass
        except OSError:
            time.sleep(0.1)
            continue
        children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
        if children:
            return int(children[0])
    raise SystemExit("gunicorn did not start within 60 s")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process and its live descendants have used (Linux /proc):
    `percorsi serve` answers from gunicorn workers, children of the process it starts."""
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stats[int(entry.name)] = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # ended meanwhile
                continue
    tree, grown = {pid}, True
    while grown:
        children = {p for p, fields in stats.items() if int(fields[1]) in tree} - tree
        tree |= children
        grown = bool(children)
    ticks = sum(int(stats[p][11]) + int(stats[p][12]) for p in tree if p in stats)
    return ticks / os.sysconf("SC_CLK_TCK")


def request_floor(port: int, server_pid: int, requests: int = 1000) -> float:
    """Server CPU seconds per request of the cheapest request that reaches the database."""

    def healthz() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port)
        conn.request("GET", "/healthz")
        conn.getresponse().read()
        conn.close()

    for _ in range(100):
        healthz()
    before = cpu_seconds(server_pid)
    for _ in range(requests):
        healthz()
    return (cpu_seconds(server_pid) - before) / requests
