"""Print a uniform random sample of the mutant names mutmut generated (seeded, reproducible).

Usage: python bench/mutation_sample.py RUN_DIR N [SEED]

With ONLY=fast.py,stream.py in the environment, only those files' mutants are sampled.
"""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path


def main(run_dir: str, n: str, seed: str = "6") -> None:
    names: list[str] = []
    only = {f for f in os.environ.get("ONLY", "").split(",") if f}
    for package in ("ledger", "rules"):
        for meta in sorted((Path(run_dir) / "mutants" / "src" / "hkvatax" / package).glob("*.py.meta")):
            if only and meta.name.removesuffix(".meta") not in only:
                continue
            names.extend(sorted(json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]))
    for name in sorted(random.Random(int(seed)).sample(names, min(int(n), len(names)))):
        print(name)


if __name__ == "__main__":
    main(*sys.argv[1:])
