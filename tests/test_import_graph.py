"""No import cycle between the engine's modules, lazy imports inside functions included.

A package's ``__init__`` only re-exports; an import through it counts as an import of the
module that defines the name.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _sources() -> dict[str, Path]:
    return {_module_name(p): p for p in (ROOT / "cvlab").rglob("*.py")}


def _is_package(name: str, sources: dict[str, Path]) -> bool:
    return sources[name].name == "__init__.py"


def _imported(path: Path) -> list[tuple[str, str | None]]:
    """``(module, name)`` for every cvlab import in ``path``; ``name`` None for ``import m``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(a.name, None) for a in node.names if a.name.startswith("cvlab")]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module \
                and node.module.startswith("cvlab"):
            found += [(node.module, a.name) for a in node.names]
    return found


def _resolve(module: str, name: str | None, sources: dict[str, Path]) -> str:
    """The module that ``from module import name`` really depends on."""
    if name and f"{module}.{name}" in sources:
        return f"{module}.{name}"
    if name and _is_package(module, sources):
        for origin, exported in _imported(sources[module]):
            if exported == name and origin != module:
                return _resolve(origin, name, sources)
    return module


def import_graph() -> dict[str, set[str]]:
    """Module → the cvlab modules it imports (packages' ``__init__`` left out as nodes)."""
    sources = _sources()
    graph = {}
    for name, path in sources.items():
        if _is_package(name, sources):
            continue
        targets = {_resolve(m, n, sources) for m, n in _imported(path)}
        graph[name] = {t for t in targets if t in sources and not _is_package(t, sources)}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module, or a module importing itself."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph.get(node, ()):
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_checker_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert sorted(cycles(graph)) == [["a", "b", "c"], ["e"]]


def test_the_graph_sees_lazy_imports_and_looks_through_package_reexports():
    graph = import_graph()
    assert "cvlab.profile" in graph["cvlab.report"]
    assert "cvlab.keras.counts" in graph["cvlab.keras.compare"]  # imported inside a function
    assert "cvlab.train.config" in graph["cvlab.cli.train"]


def test_no_import_cycle_between_cvlab_modules():
    assert cycles(import_graph()) == []
