"""Scale benchmark: the worklist, cases, dashboard and scheduler at 1x and at 50,000 open cases.

Builds (once, then cached) the demo's 200 cases as the 1x data set, and a copy multiplied to
50,000 running cases and about 1,000,000 task rows (bench/scale_build.py). Then, for each size
in a fresh process (so its RSS is the web worker's), it times the requests an operator and a
coordinator make through the Flask app -- UI pages and API calls, the worklist with the UI's
filters and sorts and its page 50, the case list, one case, the dashboard -- a scheduler
pass with nothing due, and last the dashboard snapshots' refresh; prints p50/p95 per size and
the ratio large/1x against the targets of issue 14, the worker's peak RSS before the refresh
(requests only; their snapshots are computed beforehand in a process of their own, as the
scheduler would have) and with it, and saves the query plans of every statement each request ran.

    .venv/bin/python bench/scale.py [--reps 30] [--rebuild] [--backend sqlite|postgresql|both]

SQLite files are cached in instance/bench-scale/ and PostgreSQL data sets in the schemas
scale_1x / scale_large of PERCORSI_BENCH_DATABASE_URL; a cached set is upgraded in place to the
newest migration, so the same data measures the code before and after a change. --rebuild
builds them anew (about 2-4 minutes per backend).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from queue import Empty
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text

from bench.scale_build import build_base, counts, multiply, reset_sequences
from bench.scale_measure import max_rss_mb, measure_all, prime_snapshots
from engine.store import worklist_entries
from engine.store.db import connect
from engine.store.schema import upgrade

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "instance" / "bench-scale"
SIZES = ("1x", "large")
TARGET_P95_MS = 20.0
TARGET_RATIO = 2.0
TARGET_DASHBOARD_MS = 200.0
TARGET_TICK_MS = 10.0
TARGET_RSS_RATIO = 1.5


def sqlite_urls(rebuild: bool) -> dict[str, str]:
    """The two SQLite files, built if missing."""
    CACHE.mkdir(parents=True, exist_ok=True)
    paths = {size: CACHE / f"{size}.db" for size in SIZES}
    if rebuild:
        for path in CACHE.glob("*.db*"):
            path.unlink()
    urls = {size: f"sqlite:///{path}" for size, path in paths.items()}
    if not paths["1x"].exists():
        built = time.perf_counter()
        now = datetime.now(UTC).replace(microsecond=0)
        build_base(urls["1x"], now)
        mark(urls["1x"], now)
        print(f"sqlite 1x built in {time.perf_counter() - built:.0f} s")
    if not paths["large"].exists():
        built = time.perf_counter()
        shutil.copy(paths["1x"], paths["large"])
        grow(urls["large"])
        print(f"sqlite large built in {time.perf_counter() - built:.0f} s")
    return urls


def postgres_urls(base: str, rebuild: bool) -> dict[str, str]:
    """Two schemas of the benchmark database, built if missing."""
    urls = {size: _with_schema(base, f"scale_{size}") for size in SIZES}
    db = connect(base)
    with db.begin() as conn:
        for size in SIZES:
            schema = f"scale_{size}"
            if rebuild:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
    db.dispose()
    for size in SIZES:
        if built_at(urls[size]) is None:
            started = time.perf_counter()
            now = datetime.now(UTC).replace(microsecond=0)
            build_base(urls[size], now)
            if size == "large":
                grow(urls[size])
            mark(urls[size], now)
            print(f"postgresql {size} built in {time.perf_counter() - started:.0f} s")
    return urls


def _with_schema(url: str, schema: str) -> str:
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options=-csearch_path%3D{schema}"


def grow(url: str) -> None:
    """Multiply the 1x data set in place (bulk SQL, one transaction)."""
    db = connect(url)
    now = built_at(url) or datetime.now(UTC)
    with db.begin() as conn:
        # The worklist index's triggers would fire per copied row: fill it once at the end.
        worklist_entries.drop_triggers(conn)
        found = multiply(conn, now)
        reset_sequences(conn)
        worklist_entries.create_triggers(conn)
        worklist_entries.rebuild(conn)
    db.dispose()
    print("  " + ", ".join(f"{n:,} {name}" for name, n in found.items()))
    mark(url, now)


def mark(url: str, now: datetime) -> None:
    """Remember when the data set was built: requests are measured at that moment."""
    db = connect(url)
    with db.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS bench_scale_meta (built_at VARCHAR(40))"))
        conn.execute(text("DELETE FROM bench_scale_meta"))
        conn.execute(text("INSERT INTO bench_scale_meta VALUES (:at)"), {"at": now.isoformat()})
    db.dispose()


def built_at(url: str) -> datetime | None:
    db = connect(url)
    try:
        with db.connect() as conn:
            value = conn.execute(text("SELECT built_at FROM bench_scale_meta")).scalar()
    except Exception:
        value = None
    finally:
        db.dispose()
    return datetime.fromisoformat(value) if value else None


def prepare(url: str) -> None:
    """What an installation does on upgrade (`percorsi init`)."""
    db = connect(url)
    upgrade(db)
    db.dispose()


def child(url: str, label: str, reps: int, plans: str, queue: Any) -> None:
    """Measure one data set in this fresh process; put the figures and the RSS on the queue:
    the peak before the snapshot refresh (requests only) and the peak with it."""
    now = built_at(url)
    assert now is not None
    figures, rss_requests = measure_all(url, now, reps, Path(plans) / label)
    with connect(url).connect() as conn:
        sizes = counts(conn)
    queue.put(
        {
            "figures": figures,
            "rss_requests_mb": rss_requests,
            "rss_mb": max_rss_mb(),
            "counts": sizes,
        }
    )


def primer(url: str) -> None:
    """In a process of its own: the snapshots the coordinator's dashboard reads."""
    now = built_at(url)
    assert now is not None
    prime_snapshots(url, now)


def _result(queue: Any, process: Any, label: str) -> Any:
    """The child's figures; stop, naming the data set, if it ended without any."""
    while True:
        try:
            return queue.get(timeout=5)
        except Empty:
            if not process.is_alive():
                failed = f"measuring {label} failed (exit code {process.exitcode})"
                raise SystemExit(failed) from None


def run_backend(name: str, urls: dict[str, str], reps: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    plans = CACHE / "plans" / name
    shutil.rmtree(plans, ignore_errors=True)
    context = multiprocessing.get_context("spawn")
    for size in SIZES:
        prepare(urls[size])
        priming = context.Process(target=primer, args=(urls[size],))
        priming.start()
        priming.join()
        if priming.exitcode != 0:
            raise SystemExit(f"computing the snapshots of {name} {size} failed")
        queue = context.Queue()
        load = os.getloadavg()[0]
        process = context.Process(target=child, args=(urls[size], size, reps, str(plans), queue))
        process.start()
        results[size] = _result(queue, process, f"{name} {size}")
        process.join()
        results[size]["load"] = (load, os.getloadavg()[0])
    report(name, results, plans)
    return results


def report(backend: str, results: dict[str, Any], plans: Path) -> None:
    small, large = results["1x"], results["large"]
    print(f"\n== {backend}: 1x = {_sizes(small['counts'])}; large = {_sizes(large['counts'])}")
    for size in SIZES:
        start, end = results[size]["load"]
        print(f"   load average while measuring {size}: {start:.1f} -> {end:.1f}")
    head = ("request", "1x p50", "1x p95", "lg p50", "lg p95", "ratio", "rows")
    print(
        f"{head[0]:<34} "
        + " ".join(f"{h:>8}" for h in head[1:5])
        + f" {head[5]:>6} {head[6]:>7}  target"
    )
    for name, (p50, p95, rows) in small["figures"].items():
        l50, l95, large_rows = large["figures"][name]
        ratio = l50 / p50 if p50 else float("inf")
        listed = f"{rows}/{large_rows}" if rows is not None else ""
        figures = f"{p50:8.1f} {p95:8.1f} {l50:8.1f} {l95:8.1f} {ratio:6.1f} {listed:>7}"
        print(f"{name:<34} {figures}  {verdict(name, l95, ratio)}")
    print("rows: the tasks or cases the answer lists at 1x/large (a ratio also counts them)")
    requests = large["rss_requests_mb"] / small["rss_requests_mb"]
    print(
        f"worker max RSS, requests only: 1x {small['rss_requests_mb']:.0f} MB,"
        f" large {large['rss_requests_mb']:.0f} MB, ratio {requests:.2f}"
    )
    # `percorsi serve` runs the scheduler, and so the refresh, in a web worker: the target
    # holds for the figure that includes it.
    rss_ratio = large["rss_mb"] / small["rss_mb"]
    print(
        f"worker max RSS with the snapshot refresh: 1x {small['rss_mb']:.0f} MB,"
        f" large {large['rss_mb']:.0f} MB, ratio {rss_ratio:.2f}"
        f" (<= {TARGET_RSS_RATIO}: {_met(rss_ratio <= TARGET_RSS_RATIO)})"
    )
    print(f"query plans: {plans}/")


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def verdict(name: str, p95: float, ratio: float) -> str:
    """The issue's target for this request at the large size."""
    if name.startswith("ui dashboard"):
        return f"p95 <= {TARGET_DASHBOARD_MS:.0f} ms: {_met(p95 <= TARGET_DASHBOARD_MS)}"
    if name.startswith("snapshots computed"):
        return "(in the background, every 5 minutes)"
    if name.startswith("scheduler"):
        return f"p95 <= {TARGET_TICK_MS:.0f} ms: {_met(p95 <= TARGET_TICK_MS)}"
    if name.startswith(("api tasks", "api cases", "ui worklist", "ui cases")):
        return (
            f"p95 <= 20 ms: {_met(p95 <= TARGET_P95_MS)}; ratio <= 2: {_met(ratio <= TARGET_RATIO)}"
        )
    return "(flat)"


def _sizes(found: dict[str, int]) -> str:
    keys = ("running cases", "task rows", "open tasks")
    return ", ".join(f"{found[k]:,} {k}" for k in keys)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--reps", type=int, default=30, help="timed calls per request (0: one cold call)"
    )
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    pg = os.environ.get("PERCORSI_BENCH_DATABASE_URL")
    all_results = {}
    if args.backend in ("sqlite", "both"):
        all_results["sqlite"] = run_backend("sqlite", sqlite_urls(args.rebuild), args.reps)
    if args.backend in ("postgresql", "both"):
        if not pg:
            print("PERCORSI_BENCH_DATABASE_URL is not set: PostgreSQL skipped")
        else:
            all_results["postgresql"] = run_backend(
                "postgresql", postgres_urls(pg, args.rebuild), args.reps
            )
    (CACHE / "last.json").write_text(json.dumps(all_results, indent=1, default=str))


if __name__ == "__main__":
    main()
