"""CSV output that a spreadsheet cannot execute: cells starting with = + - @ (or tab/CR) are neutralised.

A leading apostrophe makes Excel, LibreOffice and Google Sheets show the text as text (OWASP "CSV
injection"). Numbers that hkvatax writes itself (e.g. ``-1234.50``) are left alone so they stay numbers.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from typing import IO, Any

__all__ = ["safe_cell", "write_csv"]

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def safe_cell(value: Any) -> str:
    """The cell text, with a leading apostrophe if a spreadsheet could read it as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(_DANGEROUS):
        if _NUMBER.match(text):
            return text[1:] if text.startswith("+") else text  # "+5" is the number 5: write it plainly
        return "'" + text
    return text


def write_csv(out: IO[str], header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(c) for c in row])
