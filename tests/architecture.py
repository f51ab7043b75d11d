"""The import rule of ARCHITECTURE.md, read from the source with `ast`: which package may import
which, and no import circles. Every import counts, including those inside functions and under
`TYPE_CHECKING`: a late import hides a circle, it does not remove it."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("engine", "web", "workflows")

SHARED = {
    "engine.errors",
    "engine.settings",
    "engine.actors",
    "engine.durations",
    "engine.observing",
}

# What each part may import besides itself. Inner layers first; see ARCHITECTURE.md.
ENGINE_LAYERS: dict[str, set[str]] = {
    "shared": set(),
    "spiff": {"shared"},
    "store": {"shared", "spiff"},
    "core": {"shared", "spiff", "store"},
    "notices": {"shared", "store", "core"},
    "rules": {"shared", "spiff", "store", "core", "notices"},
    "commands": {"shared", "spiff", "store", "core", "notices", "rules"},
    "reads": {"shared", "spiff", "store", "core", "rules"},
    "reporting": {"shared", "store", "core", "rules", "reads"},
    "scheduling": {"shared", "spiff", "store", "core", "notices", "rules", "commands", "reporting"},
}
ENGINE_PARTS = set(ENGINE_LAYERS)
ALLOWED: dict[str, set[str]] = {
    **ENGINE_LAYERS,
    "engine": ENGINE_PARTS,  # the package root re-exports the public names
    "workflows": ENGINE_PARTS | {"engine"},
    "web": ENGINE_PARTS | {"engine", "workflows"},
}


@dataclass(frozen=True)
class Import:
    source: str
    target: str
    line: int


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def find_modules(root: Path, packages: Iterable[str] = PACKAGES) -> dict[str, Path]:
    """Every module of the packages, by dotted name."""
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            found[module_name(path, root)] = path
    return found


def imports_of(name: str, path: Path, modules: Mapping[str, Path]) -> list[Import]:
    """The project modules that `name` imports, resolved to modules where a name is one."""
    is_package = path.name == "__init__.py"
    package = name.split(".") if is_package else name.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                prefix = package[: len(package) - node.level + 1]
                base = ".".join([*prefix, base] if base else prefix)
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.append(Import(name, target, node.lineno))
    return found


def import_graph(root: Path = ROOT, packages: Iterable[str] = PACKAGES) -> list[Import]:
    modules = find_modules(root, packages)
    return [edge for name, path in modules.items() for edge in imports_of(name, path, modules)]


def circles(edges: Iterable[Import]) -> list[list[str]]:
    """Each group of modules that import one another, directly or not (Tarjan's algorithm)."""
    graph: dict[str, set[str]] = {}
    for edge in edges:
        graph.setdefault(edge.source, set()).add(edge.target)
        graph.setdefault(edge.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def part_of(module: str) -> str:
    """The layer a module belongs to: an engine package, `shared`, `core`, or a top package."""
    if module in SHARED:
        return "shared"
    top, _, rest = module.partition(".")
    if top != "engine" or not rest:
        return top
    first = rest.split(".")[0]
    return "core" if first == "core" else first


def wrong_way(edges: Iterable[Import]) -> list[str]:
    """Imports that point outward, against the layers."""
    problems = []
    for edge in edges:
        source, target = part_of(edge.source), part_of(edge.target)
        if source == target or source not in ALLOWED:
            continue
        if target not in ALLOWED[source]:
            problems.append(
                f"{edge.source} (line {edge.line}) imports {edge.target}: "
                f"{source} may not import {target}"
            )
    return problems
