"""The architecture holds: layers import only downwards (import-linter's contract in
pyproject.toml), no import cycle anywhere (module level, lazy imports included), and every
package names its public API."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

import aqkg

ROOT = Path(__file__).resolve().parents[1]
# The only modules left at the top: what every layer may read.
TOP_LEVEL_MODULES = {"aqkg", "aqkg.paths", "aqkg.progress", "aqkg.suggest"}


def test_layers_import_only_downwards() -> None:
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "1 kept, 0 broken" in result.stdout


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycle() -> None:
    graph = grimp.build_graph("aqkg")
    # A package's __init__ re-exporting its own modules is not a cycle of the architecture.
    for module in list(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            if module.startswith(imported + "."):
                graph.remove_import(importer=module, imported=imported)
    assert _cycles(graph) == []


def test_a_planted_cycle_is_found() -> None:
    graph = grimp.ImportGraph()
    for name in ("p.a", "p.b", "p.c"):
        graph.add_module(name)
    graph.add_import(importer="p.a", imported="p.b")
    graph.add_import(importer="p.b", imported="p.c")
    assert _cycles(graph) == []
    graph.add_import(importer="p.c", imported="p.a")
    assert _cycles(graph) == [["p.a", "p.b", "p.c"]]


def test_modules_live_in_packages() -> None:
    flat = {info.name for info in pkgutil.iter_modules(aqkg.__path__, "aqkg.") if not info.ispkg}
    assert flat | {"aqkg"} == TOP_LEVEL_MODULES


@pytest.mark.parametrize(
    "package",
    sorted(i.name for i in pkgutil.iter_modules(aqkg.__path__, "aqkg.") if i.ispkg),
)
def test_each_package_names_its_public_api(package: str) -> None:
    doc = importlib.import_module(package).__doc__ or ""
    assert len(doc.split()) >= 12, f"{package}: say in its docstring what it is for"
    assert "Public API" in doc, f"{package}: name its public API"
