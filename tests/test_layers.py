"""Imports point one way (STYLE.md): interfaces → services → analytics | storage | ingest → model, config, errors."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).parents[1] / "src" / "chainatlas"
RANK = {
    "errors": 0,
    "config": 0,
    "model": 1,
    "geo": 1,
    "analytics": 2,
    "storage": 2,
    "ingest": 2,
    "pipeline": 3,
    "synth": 3,
    "api": 4,
    "web": 4,
    "cli": 4,
    "__main__": 4,  # python -m chainatlas, the file spark-submit runs
}


def _layer(module: str) -> str:
    return module.split(".")[1] if module.count(".") else module


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("chainatlas"):
            out.append(node.module)
        elif isinstance(node, ast.Import):
            out += [a.name for a in node.names if a.name.startswith("chainatlas")]
    return out


MODULES = sorted(p for p in PKG.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PKG)))
def test_imports_point_down(path: Path):
    own = path.relative_to(PKG).parts[0].removesuffix(".py")
    if own == "__init__":
        return
    for mod in _imports(path):
        target = _layer(mod)
        if target == "chainatlas" or target == own:
            continue
        assert RANK[target] <= RANK[own], (
            f"{path.relative_to(PKG)} imports {mod}: layer {own} may not import {target}"
        )
        if own == "analytics":
            assert target in ("errors", "config", "model"), f"analytics is pure; {path.name} imports {mod}"


def test_every_package_has_a_layer():
    tops = {p.relative_to(PKG).parts[0].removesuffix(".py") for p in MODULES} - {"__init__", "data"}
    assert tops <= set(RANK), tops - set(RANK)


def _module(path: Path) -> str:
    parts = ("chainatlas", *path.relative_to(PKG).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_no_import_cycles():
    """No module imports, directly or through others, a module that imports it (function-level imports included:
    a cycle hidden in a function still ties the two modules together)."""
    import networkx as nx

    known = {_module(p) for p in MODULES}
    g = nx.DiGraph()
    for path in MODULES:
        me = _module(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("chainatlas"):
                targets = [
                    f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in known else node.module
                    for a in node.names
                ]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names if a.name.startswith("chainatlas")]
            else:
                continue
            g.add_edges_from((me, t) for t in targets if t != me and t in known)
    cycles = [sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1]
    assert not cycles, cycles
