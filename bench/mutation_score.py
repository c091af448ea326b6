"""Summarise a mutmut run per package (ledger, rules) and per file, raw and excluding argued-equivalent mutants.

Reads mutmut's result files (``mutants/src/hkvatax/<package>/<file>.py.meta``) in the directory given
(default: the current one). Mutants argued equivalent are listed, one name per line with ``#`` comments, in
``bench/mutation_equivalent.txt`` (reasons in docs/decisions/0060-mutation-testing.md).

Usage: python bench/mutation_score.py [RUN_DIR] [--survivors]
"""

from __future__ import annotations

import json
import math
import sys
from collections import Counter
from pathlib import Path

STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests", 34: "skipped",
          36: "timeout", 24: "timeout", -24: "timeout", 152: "timeout", 255: "timeout", 37: "type check",
          None: "not checked"}
PACKAGES = ("ledger", "rules")


def load_equivalent() -> set[str]:
    path = Path(__file__).with_name("mutation_equivalent.txt")
    if not path.exists():
        return set()
    names = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return {n for n in names if n}


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    run_dir = Path(args[0]) if args else Path(".")
    equivalent = load_equivalent()
    survivors: list[str] = []
    grand: Counter[str] = Counter()
    for package in PACKAGES:
        per_pkg: Counter[str] = Counter()
        print(f"\n{package}:")
        for meta in sorted((run_dir / "mutants" / "src" / "hkvatax" / package).glob("*.py.meta")):
            data = json.loads(meta.read_text(encoding="utf-8"))
            per_file: Counter[str] = Counter()
            for name, code in data["exit_code_by_key"].items():
                status = STATUS.get(code, "suspicious")
                if status == "survived" and name in equivalent:
                    status = "equivalent"
                per_file[status] += 1
                if status in ("survived", "no tests"):
                    survivors.append(f"{status}: {name}")
            if per_file:
                print(f"  {meta.name[:-5]:<18} " + _line(per_file))
            per_pkg.update(per_file)
        print(f"  {'TOTAL':<18} " + _line(per_pkg))
        grand.update(per_pkg)
    print(f"\nledger + rules     {_line(grand)}")
    if "--survivors" in argv:
        print("\n".join(sorted(survivors)))
    return 0


def _line(c: Counter[str]) -> str:
    """Counts and the score over the mutants checked (all of them after a full run; a sample otherwise)."""
    total = sum(c.values())
    unchecked = c["not checked"]
    checked = total - unchecked
    caught = c["killed"] + c["timeout"]
    equivalent = c["equivalent"]
    raw = 100 * caught / checked if checked else 0.0
    net = 100 * caught / (checked - equivalent) if checked - equivalent else 0.0
    other = checked - caught - c["survived"] - c["no tests"] - equivalent
    text = (f"{total:5d} mutants, {checked} checked: killed {c['killed']}, timeout {c['timeout']}, survived "
            f"{c['survived']}, no coverage {c['no tests']}, equivalent {equivalent}, other {other} | score "
            f"{raw:.1f}% raw, {net:.1f}% excl. equivalent")
    if unchecked and checked:
        p, n = raw / 100, checked
        half = 1.96 * math.sqrt(p * (1 - p) / n * (total - n) / max(total - 1, 1))
        text += f" (if a uniform sample: ±{100 * half:.1f} points, 95%)"
    return text


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
