"""Counts the hostile-input cases run and prints the count at the end of the session."""

from __future__ import annotations

from typing import Any

COUNTER: dict[str, int] = {}


def count(suite: str) -> None:
    COUNTER[suite] = COUNTER.get(suite, 0) + 1


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if COUNTER:
        total = sum(COUNTER.values())
        detail = ", ".join(f"{k} {v}" for k, v in sorted(COUNTER.items()))
        terminalreporter.write_line(f"hostile-input cases run: {total} ({detail})")
