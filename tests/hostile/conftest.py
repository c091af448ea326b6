"""Counts the hostile-input cases run and reports the count at the end of the session.

The summary line ``hostile-input cases run: N (...)`` is printed by every pytest run that ran a hostile test;
with HKVATAX_HOSTILE_COUNT_FILE set, the same figures are also written there as JSON (for a CI artefact).
"""

from __future__ import annotations

import json
import os
from typing import Any

from .harness import COUNTER, MET, OPEN_DEFECTS, PLANNED, count

__all__ = ["count"]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not COUNTER:
        return
    total = sum(COUNTER.values())
    detail = ", ".join(f"{k} {v}" for k, v in sorted(COUNTER.items()))
    terminalreporter.write_line(f"hostile-input cases run: {total} ({detail})")
    if MET:
        met = ", ".join(f"{k} {v}" for k, v in sorted(MET.items()))
        terminalreporter.write_line(f"hostile-input cases meeting an open defect (tests/hostile/harness.py "
                                    f"OPEN_DEFECTS): {met}")
    path = os.environ.get("HKVATAX_HOSTILE_COUNT_FILE")
    if path:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump({"cases_run": total, "by_generator": dict(sorted(COUNTER.items())),
                       "planned_examples": dict(sorted(PLANNED.items())), "open_defects_met": dict(sorted(MET.items())),
                       "open_defects": sorted(OPEN_DEFECTS)}, fh, indent=2)
