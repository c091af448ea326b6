"""Data flows one way — io → ledger → rules → engine → render — and no module imports another that imports it
back: read from the source (every import, at module level or inside a function; TYPE_CHECKING ones aside)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "hkvatax"


def _module(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    modules = {_module(p): p for p in SRC.rglob("*.py")}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        skip: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                skip.update(id(n) for n in ast.walk(node))
        found: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.ImportFrom):
                base = package
                for _ in range(max(node.level - 1, 0)):
                    base = base.rsplit(".", 1)[0]
                target = (base + "." + node.module if node.module else base) if node.level else (node.module or "")
                subs = [f"{target}.{a.name}" for a in node.names]
                # ``from . import sub`` depends on the submodule, not on the package's own __init__
                candidates = subs if node.module is None and all(m in modules for m in subs) else [target] + subs
            elif isinstance(node, ast.Import):
                candidates = [a.name for a in node.names]
            else:
                continue
            found.update(c for c in candidates if c in modules and c != name)
        graph[name] = found
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    out: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt == "hkvatax":  # the package's own __init__ re-exports; importing it is not a dependency
                continue
            if state.get(nxt) == 1:
                out.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return out


def test_no_module_imports_one_that_imports_it_back() -> None:
    graph = {k: v for k, v in _imports().items() if k != "hkvatax"}
    assert _cycles(graph) == []


def test_the_ledger_reads_no_files_and_knows_no_law() -> None:
    for name, deps in _imports().items():
        if name.startswith("hkvatax.ledger"):
            bad = {d for d in deps if d.count(".") and d.split(".")[1] in {"io", "rules", "engine", "explain", "compare", "render",
                                                         "cli"}}
            assert not bad, (name, bad)


def test_models_and_rules_import_no_input_output() -> None:
    for name, deps in _imports().items():
        layer = name.split(".")[1] if "." in name else ""
        if layer in {"models", "rules"}:
            assert not {d for d in deps if d.count(".") and d.split(".")[1] in {"io", "engine", "explain", "compare", "cli"}}, name
