"""Time `percorsi demo --cases N` on a fresh SQLite database (prints figures; never a test)."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from engine import SYSTEM, Settings
from engine.commands.deployment import deploy_model
from engine.store.db import connect
from engine.store.schema import upgrade
from web.composition import build_engine, bundled_files
from workflows.demo import create_demo
from workflows.seed import seed_network


def main(cases: int) -> None:
    """Seed, deploy, then time the demo."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        db = connect(url)
        upgrade(db)
        db.dispose()
        engine = build_engine(Settings.from_env({}, database_url=url))
        with engine.uow() as uow:
            seed_network(uow)
        with engine.uow() as uow:
            deploy_model(uow, bundled_files(), SYSTEM)
        wall, cpu = time.perf_counter(), time.process_time()
        report = create_demo(engine, cases)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        engine.dispose()
    print(f"demo: {len(report.cases)} cases in {wall:.1f} s wall, {cpu:.1f} s CPU")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
