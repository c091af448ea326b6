"""Stage a copy of the project for mutmut with `@rule(...)` and `@property` decorators unrolled.

mutmut (3.x) never mutates a decorated function (a decorator runs at definition time), so without this
step the bodies of all the ``@rule`` functions -- most of the tax logic in ``hkvatax.rules`` -- would not be
mutated at all. This script copies the project to a staging directory and rewrites::

    @rule("pt.net_profit", ..., cite=[...])          def net_profit(ctx, assessable): ...
    def net_profit(ctx, assessable): ...      ->     net_profit = rule("pt.net_profit", ..., cite=[...])(net_profit)

which is the same program (a decorator is exactly that assignment), but leaves the function undecorated so
mutmut mutates its body. Only module- and class-level functions with a single ``rule(...)`` or ``property``
decorator are rewritten; the source tree is never touched.

Usage: python bench/mutation_prepare.py STAGING_DIR
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import libcst as cst

ROOT = Path(__file__).resolve().parent.parent
UNROLL = ("rule", "property")


def _unrollable(node: cst.FunctionDef) -> bool:
    if len(node.decorators) != 1:
        return False
    dec = node.decorators[0].decorator
    if isinstance(dec, cst.Call):
        dec = dec.func
    return isinstance(dec, cst.Name) and dec.value in UNROLL


def _unroll(body: list[cst.BaseStatement] | tuple[cst.BaseStatement, ...]) -> list[cst.BaseStatement]:
    out: list[cst.BaseStatement] = []
    for stmt in body:
        if isinstance(stmt, cst.FunctionDef) and _unrollable(stmt):
            dec = stmt.decorators[0].decorator
            name = stmt.name.value
            out.append(stmt.with_changes(decorators=[]))
            assign = cst.Assign(targets=[cst.AssignTarget(cst.Name(name))],
                                value=cst.Call(func=dec, args=[cst.Arg(cst.Name(name))]))
            out.append(cst.SimpleStatementLine([assign]))
        elif isinstance(stmt, cst.ClassDef) and isinstance(stmt.body, cst.IndentedBlock):
            out.append(stmt.with_changes(body=stmt.body.with_changes(body=_unroll(stmt.body.body))))
        else:
            out.append(stmt)
    return out


def rewrite(source: str) -> tuple[str, int]:
    module = cst.parse_module(source)
    before = source.count("\n@rule(") + source.count("@property")
    new = module.with_changes(body=_unroll(module.body))
    return new.code, before


def main(staging: Path) -> None:
    if staging.exists():
        shutil.rmtree(staging)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", "mutants", ".git", "*.egg-info")
    for item in ("src", "tests", "docs", "bench"):
        shutil.copytree(ROOT / item, staging / item, ignore=ignore)
    shutil.copy2(ROOT / "pyproject.toml", staging / "pyproject.toml")
    total = 0
    for package in ("ledger", "rules"):
        for path in sorted((staging / "src" / "hkvatax" / package).glob("*.py")):
            code, n = rewrite(path.read_text(encoding="utf-8"))
            path.write_text(code, encoding="utf-8")
            total += n
    print(f"staged {staging}: {total} decorated functions unrolled for mutation")


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve())
