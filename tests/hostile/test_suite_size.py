"""The hostile suite asks for at least 10,000 generated cases per CI run (issue 11).

The figure checked here is the sum of the examples every hostile test asks hypothesis for under the default
settings; the cases actually run are printed at the end of every session ("hostile-input cases run: N").
"""

from __future__ import annotations

import importlib
from pathlib import Path

from .harness import PLANNED, SCALE

MODULES = sorted(p.stem for p in Path(__file__).parent.glob("test_*.py") if p.stem != "test_suite_size")


def test_ci_runs_at_least_ten_thousand_hostile_cases() -> None:
    for name in MODULES:  # importing a module registers its tests' example counts
        importlib.import_module(f"{__package__}.{name}")
    assert sum(PLANNED.values()) >= 10_000 * min(SCALE, 1), PLANNED
