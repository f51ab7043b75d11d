"""Where a workload's time goes, layer by layer: what stands between a figure and its target.

cProfile's own time of every function, summed by the layer the function belongs to: the
database driver, SQLAlchemy, SpiffWorkflow, Flask, Percorsi's engine, ... The profiler slows
Python calls down (a layer of many small calls, as SQLAlchemy, reads bigger than it is) but
hardly C code (the sqlite3 driver's statements and commits) or time spent waiting for the
PostgreSQL server: read the shares as a ranking, the driver and waiting lines as times.
"""

from __future__ import annotations

import cProfile
import pstats
import time
from collections.abc import Callable

# (part of a code path, layer), first match wins
_LAYERS = (
    ("psycopg/connection.py", "waiting for PostgreSQL (round trips, its own work)"),
    ("psycopg", "psycopg (client)"),
    ("sqlalchemy", "SQLAlchemy"),
    ("SpiffWorkflow", "SpiffWorkflow"),
    ("RestrictedPython", "SpiffWorkflow"),
    ("flask_smorest", "flask-smorest, marshmallow"),
    ("marshmallow", "flask-smorest, marshmallow"),
    ("werkzeug", "Flask, werkzeug"),
    ("flask", "Flask, werkzeug"),
    ("jsonschema", "jsonschema (forms)"),
    ("/json/", "json"),
    ("/engine/", "Percorsi engine"),
    ("/web/", "Percorsi web"),
    ("/bench/", "the benchmark itself"),
    ("site-packages", "other libraries"),
)
_SQLITE = "sqlite3 (C: statements, commits)"


def layer_of(path: str, name: str) -> str:
    if path == "~":  # a builtin: the driver's C calls are named after their type
        return _SQLITE if "sqlite3." in name else "Python builtins"
    return next((layer for part, layer in _LAYERS if part in path), "Python standard library")


def profile_layers(work: Callable[[], None], repeat: int) -> tuple[float, dict[str, float]]:
    """Run `work` `repeat` times unprofiled, then as many times profiled: the unprofiled
    milliseconds per run, and each layer's profiled milliseconds per run."""
    began = time.perf_counter()
    for _ in range(repeat):
        work()
    plain = (time.perf_counter() - began) * 1000 / repeat
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        work()
    profiler.disable()
    return plain, layers_of(profiler, repeat)


def layers_of(profiler: cProfile.Profile, runs: int) -> dict[str, float]:
    """Each layer's own milliseconds per run in what `profiler` saw of `runs` runs."""
    layers: dict[str, float] = {}
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    for (path, _line, name), (_calls, _primitive, own, _total, _callers) in stats.items():
        layer = layer_of(path, name)
        layers[layer] = layers.get(layer, 0.0) + own * 1000 / runs
    return layers


def print_layers(title: str, plain: float, layers: dict[str, float]) -> None:
    profiled = sum(layers.values())
    print(f"  {title}: {plain:.2f} ms per case unprofiled, {profiled:.2f} ms under the profiler")
    for layer, ms in sorted(layers.items(), key=lambda item: -item[1]):
        print(f"    {layer:<52} {ms:6.2f} ms  {ms / profiled:4.0%}")
