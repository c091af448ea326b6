"""CSV output that a spreadsheet cannot execute and a terminal cannot act on (docs/security.md).

Cells starting with = + - @ (or tab/CR) are neutralised with a leading apostrophe, which makes Excel,
LibreOffice and Google Sheets show the text as text (OWASP "CSV injection"); numbers that hkvatax writes
itself (e.g. ``-1234.50``) are left alone so they stay numbers. :func:`write_csv` also makes control
characters visible (:func:`hkvatax.escape.escape_csv`).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import IO, Any

from ..escape import escape_csv, neutralise_formula

__all__ = ["safe_cell", "write_csv"]


def safe_cell(value: Any) -> str:
    """The cell text, with a leading apostrophe if a spreadsheet could read it as a formula."""
    return neutralise_formula(value)


def write_csv(out: IO[str], header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write a CSV whose every cell is :func:`~hkvatax.escape.escape_csv`-safe."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([escape_csv(h) for h in header])
    for row in rows:
        writer.writerow([escape_csv(c) for c in row])
