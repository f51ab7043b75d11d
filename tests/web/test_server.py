"""`percorsi serve`'s gunicorn worker, driven in this process over real sockets."""

from __future__ import annotations

import contextlib
import os
import selectors
import socket
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger

from web.server import PercorsiWorker

REQUEST = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"


def hello(_environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "5")])
    return [b"hello"]


class CountingPool(ThreadPoolExecutor):
    """The worker's thread pool, counting the connections handed to it."""

    submitted = 0

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.submitted += 1
        return super().submit(fn, *args, **kwargs)


@pytest.fixture
def worker() -> Iterator[PercorsiWorker]:
    """A worker with its poller, pool and wake-up pipe, listening on a free port (no fork)."""
    cfg = Config()
    cfg.set("keepalive", 5)
    cfg.set("threads", 2)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setblocking(False)
    made = PercorsiWorker(1, os.getpid(), [listener], None, 30, cfg, Logger(cfg))
    made.wsgi = hello
    made.tpool = CountingPool(max_workers=2)
    made.poller = selectors.DefaultSelector()
    made.method_queue.init()
    made.poller.register(
        made.method_queue.fileno(), selectors.EVENT_READ, made.method_queue.run_callbacks
    )
    made.set_accept_enabled(True)
    yield made
    made.tpool.shutdown()
    made.poller.close()
    made.method_queue.close()
    made.tmp.close()
    listener.close()


def run_until(worker: PercorsiWorker, done: Callable[[], bool]) -> None:
    """Turn the worker's event loop (its main thread's part) until `done`, for 5 s at most."""
    for _ in range(50):
        if done():
            return
        worker.wait_for_and_dispatch_events(timeout=0.1)
    raise AssertionError("the worker did not get there in 5 s")


def answer(worker: PercorsiWorker, client: socket.socket) -> bytes:
    """Send a request on `client`; its response, once the connection is kept alive again."""
    client.sendall(REQUEST)
    received = bytearray()

    def answered() -> bool:
        with contextlib.suppress(BlockingIOError):
            received.extend(client.recv(4096, socket.MSG_DONTWAIT))
        return received.endswith(b"hello") and len(worker.keepalived_conns) == 1

    run_until(worker, answered)
    return bytes(received)


def test_a_kept_alive_connection_serves_requests_and_is_closed_by_the_main_thread(
    worker: PercorsiWorker,
) -> None:
    client = socket.create_connection(worker.sockets[0].getsockname())
    run_until(worker, lambda: worker.nr_conns == 1)
    first = answer(worker, client)
    second = answer(worker, client)  # the same connection: keep-alive kept
    assert first.startswith(b"HTTP/1.1 200 OK") and first.endswith(b"hello")
    assert second.startswith(b"HTTP/1.1 200 OK") and b"Connection: close" not in second
    [conn] = worker.keepalived_conns
    client.close()
    run_until(worker, lambda: worker.nr_conns == 0)
    assert worker.tpool.submitted == 2  # the two requests; the close never went to a thread
    assert not worker.keepalived_conns and conn.sock.fileno() == -1
    assert len(worker.poller.get_map()) == 2  # its wake-up pipe and the listener


def test_a_request_already_sent_with_the_close_is_still_answered(
    worker: PercorsiWorker,
) -> None:
    client = socket.create_connection(worker.sockets[0].getsockname())
    run_until(worker, lambda: worker.nr_conns == 1)
    assert answer(worker, client).endswith(b"hello")
    client.sendall(REQUEST)
    client.shutdown(socket.SHUT_WR)  # the request, then the end: the request comes first
    run_until(worker, lambda: worker.nr_conns == 0)
    client.settimeout(5)
    assert client.recv(4096).startswith(b"HTTP/1.1 200 OK")
    assert worker.tpool.submitted == 2  # the two requests; the end, read by the main thread
    client.close()
