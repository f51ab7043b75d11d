"""The folder tree is the architecture: imports point inward and never go round in a circle."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.architecture import ROOT, circles, import_graph, wrong_way


def test_no_import_circles_in_engine_web_and_workflows() -> None:
    assert circles(import_graph()) == []


def test_imports_point_inward() -> None:
    assert wrong_way(import_graph()) == []


def test_engine_top_level_holds_only_packages_and_shared_modules() -> None:
    entries = sorted(
        p.name
        for p in (ROOT / "engine").iterdir()
        if p.name not in ("__pycache__", "py.typed", "__init__.py")
    )
    assert entries == [
        "actors.py",
        "commands",
        "core.py",
        "durations.py",
        "errors.py",
        "notices",
        "observing.py",
        "reads",
        "reporting",
        "rules",
        "scheduling",
        "settings.py",
        "spiff",
        "store",
    ]
    for package in (ROOT / "engine").iterdir():
        if package.is_dir() and package.name != "__pycache__":
            doc = (package / "__init__.py").read_text().split('"""')[1]
            assert 2 <= len(doc.strip().splitlines()) <= 6, package.name


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A small engine laid out like ours, with no circle and imports pointing inward."""
    _write(
        tmp_path,
        {
            "engine/__init__.py": "",
            "engine/errors.py": "",
            "engine/store/__init__.py": "",
            "engine/store/tables.py": "from engine.errors import *\n",
            "engine/rules/__init__.py": "",
            "engine/rules/progress.py": "from engine.store.tables import Case\n",
            "engine/commands/__init__.py": "",
            "engine/commands/messages.py": "from engine.rules import progress\n",
        },
    )
    return tmp_path


def test_the_check_finds_a_circle_added_late_in_a_function(tree: Path) -> None:
    assert circles(import_graph(tree, ["engine"])) == []
    _write(
        tree,
        {
            "engine/rules/access.py": "from .progress import settle\n",
            "engine/rules/progress.py": (
                "from engine.store.tables import Case\n"
                "def settle():\n    from engine.rules.access import lock  # late\n"
            ),
        },
    )
    assert circles(import_graph(tree, ["engine"])) == [
        ["engine.rules.access", "engine.rules.progress"]
    ]


def test_the_check_finds_an_import_pointing_outward(tree: Path) -> None:
    assert wrong_way(import_graph(tree, ["engine"])) == []
    _write(
        tree,
        {
            "engine/store/tables.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from engine.commands.messages import deliver\n"
            )
        },
    )
    assert wrong_way(import_graph(tree, ["engine"])) == [
        "engine.store.tables (line 3) imports engine.commands.messages: "
        "store may not import commands"
    ]
