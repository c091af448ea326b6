"""Dated parameters: rates and thresholds by year of assessment, each value with its citation and status.

Tables live in ``hkvatax/params/*.toml``. Each parameter is a list of dated entries::

    [[profits_tax.corporation.lower_rate]]
    from = "2018/19"            # first year of assessment (inclusive)
    to = "2026/27"              # optional last year (inclusive); absent = until amended
    value = "0.0825"
    citation = "IRO s.14 and Sch. 8 ..."
    status = "enacted"          # enacted | proposed | assumption
    source = "https://..."      # where the figure was checked

A look-up for a year that no entry covers raises :class:`~hkvatax.errors.DataTableGapError`; it never
falls back to the nearest year. Overlapping entries are refused when the tables load.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib import resources
from typing import Any

from ..errors import DataTableGapError
from ..periods import YearOfAssessment

__all__ = ["ParamValue", "ParamStore", "default_params"]


@dataclass(frozen=True, slots=True)
class ParamValue:
    path: str
    value: Decimal
    valid_from: YearOfAssessment
    valid_to: YearOfAssessment | None
    citation: str
    status: str
    source: str | None

    def covers(self, year: YearOfAssessment) -> bool:
        return self.valid_from <= year and (self.valid_to is None or year <= self.valid_to)


class ParamStore:
    """All dated parameters, loaded once and validated."""

    def __init__(self, tables: Mapping[str, list[ParamValue]]):
        self._tables = {k: sorted(v, key=lambda p: p.valid_from) for k, v in tables.items()}
        for path, entries in self._tables.items():
            for a, b in zip(entries, entries[1:], strict=False):
                if a.valid_to is None or a.valid_to >= b.valid_from:
                    raise ValueError(f"parameter {path}: entries from {a.valid_from} and {b.valid_from} overlap")

    @classmethod
    def from_toml_texts(cls, texts: Mapping[str, str]) -> ParamStore:
        tables: dict[str, list[ParamValue]] = {}
        for name, text in texts.items():
            data = tomllib.loads(text)
            for path, entries in _walk(data):
                if path in tables:
                    raise ValueError(f"parameter {path} defined in two files")
                tables[path] = [_entry(path, e, name) for e in entries]
        return cls(tables)

    def at(self, path: str, year: YearOfAssessment) -> ParamValue:
        entries = self._tables.get(path)
        if entries is None:
            raise DataTableGapError(f"no parameter named {path!r}")
        for entry in entries:
            if entry.covers(year):
                return entry
        known = ", ".join(f"{e.valid_from}–{e.valid_to or 'onward'}" for e in entries)
        raise DataTableGapError(
            f"parameter {path!r} has no value for {year.label} (it has values for {known}); hkvatax never uses "
            "another year's value")

    def has(self, path: str, year: YearOfAssessment) -> bool:
        return any(e.covers(year) for e in self._tables.get(path, ()))

    def paths(self) -> list[str]:
        return sorted(self._tables)

    def entries(self, path: str) -> list[ParamValue]:
        return list(self._tables[path])

    def with_override(self, path: str, value: ParamValue) -> ParamStore:
        tables = dict(self._tables)
        tables[path] = [e for e in tables.get(path, []) if not _overlaps(e, value)] + [value]
        return ParamStore(tables)


def _overlaps(a: ParamValue, b: ParamValue) -> bool:
    a_end = a.valid_to or YearOfAssessment(2200)
    b_end = b.valid_to or YearOfAssessment(2200)
    return a.valid_from <= b_end and b.valid_from <= a_end


def _walk(data: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, list[Mapping[str, Any]]]]:
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, list):
            yield path, value
        elif isinstance(value, Mapping):
            yield from _walk(value, path)
        else:
            raise ValueError(f"parameter file: {path} must be a table or a list of dated entries")


def _entry(path: str, raw: Mapping[str, Any], file: str) -> ParamValue:
    missing = [k for k in ("from", "value", "citation", "status") if k not in raw]
    if missing:
        raise ValueError(f"{file}: {path}: entry lacks {', '.join(missing)}")
    if raw["status"] not in {"enacted", "proposed", "assumption"}:
        raise ValueError(f"{file}: {path}: unknown status {raw['status']!r}")
    if not isinstance(raw["value"], str):
        raise ValueError(f"{file}: {path}: value must be a string (exact decimal), got {raw['value']!r}")
    try:
        value = Decimal(raw["value"])
    except InvalidOperation as exc:
        raise ValueError(f"{file}: {path}: {raw['value']!r} is not a number") from exc
    return ParamValue(
        path=path, value=value, valid_from=YearOfAssessment.parse(raw["from"]),
        valid_to=YearOfAssessment.parse(raw["to"]) if raw.get("to") else None,
        citation=str(raw["citation"]), status=str(raw["status"]), source=raw.get("source"),
    )


_DEFAULT: ParamStore | None = None


def default_params() -> ParamStore:
    """The parameter tables shipped with hkvatax (loaded once)."""
    global _DEFAULT
    if _DEFAULT is None:
        root = resources.files("hkvatax.params")
        texts = {p.name: p.read_text(encoding="utf-8") for p in root.iterdir() if p.name.endswith(".toml")}
        _DEFAULT = ParamStore.from_toml_texts(texts)
    return _DEFAULT
