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

The *horizon* of a store is the last year of assessment its shipped tables were compiled for (the latest
``from`` or ``to`` in them). A later year is *projected*: an open-ended value still answers, but the rules
mark every figure that reads it with a named assumption (decision 0121).

A user may supply values of their own in a TOML file of the same format
(:func:`hkvatax.io.load_params`); each keeps its own citation and status and is marked with the file it
came from, so the trace shows it as the user's figure (decision 0122).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from importlib import resources
from typing import Any

from ..documents import DocumentError, read_toml
from ..errors import DataTableGapError, ParamsFileError
from ..periods import YearOfAssessment
from ..trace import ParamUse

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
    #: None for hkvatax's own tables; for a value the user supplied, the file it came from ("user file x.toml").
    origin: str | None = None

    def covers(self, year: YearOfAssessment) -> bool:
        return self.valid_from <= year and (self.valid_to is None or year <= self.valid_to)


class ParamStore:
    """All dated parameters, loaded once and validated."""

    def __init__(self, tables: Mapping[str, list[ParamValue]], *, horizon: YearOfAssessment | None = None):
        self._tables = {k: sorted(v, key=lambda p: p.valid_from) for k, v in tables.items()}
        for path, entries in self._tables.items():
            for a, b in zip(entries, entries[1:], strict=False):
                if a.valid_to is None or a.valid_to >= b.valid_from:
                    raise ValueError(f"parameter {path}: entries from {a.valid_from} and {b.valid_from} overlap")
        years = [y for entries in self._tables.values() for e in entries for y in (e.valid_from, e.valid_to) if y]
        #: The last year of assessment the tables were compiled for; later years are projected.
        self.horizon: YearOfAssessment | None = horizon if horizon is not None else max(years, default=None)
        # Look-ups memoised by (path, first year of assessment): a store never changes once made (overrides make
        # a new store), and the rules ask the same few dozen questions of every year of every assessment.
        self._found: dict[tuple[str, int], ParamValue] = {}
        self._has: dict[tuple[str, int], bool] = {}
        self._uses: dict[tuple[str, int], tuple[ParamUse, bool]] = {}

    def is_projected(self, year: YearOfAssessment) -> bool:
        """True for a year after the last year in the tables (values there are carried forward, not sourced)."""
        return self.horizon is not None and year > self.horizon

    def first_year(self, path: str) -> YearOfAssessment | None:
        """The first year of assessment ``path`` has a value for (None if it has none)."""
        entries = self._tables.get(path)
        return entries[0].valid_from if entries else None

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
        found = self._found.get((path, year.start_year))
        if found is None:
            found = self._found[(path, year.start_year)] = self._at(path, year)
        return found

    def use(self, path: str, year: YearOfAssessment) -> tuple[ParamUse, bool]:
        """How a rule's trace node records the value of ``path`` for ``year`` (made once per store, path and year;
        the same value each time), and whether that value is *projected*: a value hkvatax ships, read for a year
        after the tables, i.e. the latest carried forward — then recorded with status "assumption" (or weaker)
        and a citation that says so (decision 0121). Raises as :meth:`at`."""
        key = (path, year.start_year)
        done = self._uses.get(key)
        if done is None:
            value = self.at(path, year)
            projected = value.origin is None and self.is_projected(year)
            status, citation = value.status, value.citation
            if projected:
                status = "proposed" if status == "proposed" else "assumption"  # the weaker of the two
                citation = (f"{citation} [value for {value.valid_from.label} onward, carried forward to "
                            f"{year.label} beyond the tables: A-YEAR-BEYOND-TABLES]")
            done = self._uses[key] = (ParamUse(path, value.value, year.label, citation, status, value.source,
                                               value.origin), projected)
        return done

    def _at(self, path: str, year: YearOfAssessment) -> ParamValue:
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
        found = self._has.get((path, year.start_year))
        if found is None:
            found = self._has[(path, year.start_year)] = any(e.covers(year) for e in self._tables.get(path, ()))
        return found

    def paths(self) -> list[str]:
        return sorted(self._tables)

    def entries(self, path: str) -> list[ParamValue]:
        return list(self._tables[path])

    def with_override(self, path: str, value: ParamValue) -> ParamStore:
        """A new store in which ``value`` replaces ``path`` for the years it covers, and only those."""
        return self._overlaid([(path, value)])

    def overlay_toml(self, text: str, name: str) -> ParamStore:
        """This store with the values of a user's TOML text (named ``name``) laid over it, read by the bounded
        reader (:mod:`hkvatax.documents`: depth, integer length, size; a key given twice is refused). A file
        is read by :func:`hkvatax.io.load_params`, never here (rules do no I/O)."""
        try:
            data = read_toml(text)
        except DocumentError as exc:
            raise ParamsFileError(f"{name}: {exc.message} ({exc.code})") from None
        except tomllib.TOMLDecodeError as exc:
            raise ParamsFileError(f"{name}: {exc}") from exc
        return self.overlay_data(data, name)

    def overlay_data(self, data: Mapping[str, Any], name: str) -> ParamStore:
        """This store with the values of a user's parameter tables (parsed TOML, named ``name``) laid over it.

        The data has the format of the shipped tables; every entry needs ``from``, ``value``, ``citation`` and
        ``status``. Each value replaces the base only for the years it covers, and names the file as its origin.
        A parameter hkvatax does not know, or an entry not in the format, is a :class:`ParamsFileError`.
        """
        try:
            values = [(p, replace(_entry(p, e, name), origin=f"user file {name}"))
                      for p, entries in _walk(data) for e in entries]
        except (ValueError, TypeError, AttributeError) as exc:
            raise ParamsFileError(f"{name}: {exc}") from exc
        unknown = sorted({p for p, _ in values if p not in self._tables})
        if unknown:
            raise ParamsFileError(f"{name}: unknown parameter(s) {', '.join(unknown)}; known: {', '.join(self.paths())}")
        try:
            return self._overlaid(values)
        except ValueError as exc:
            raise ParamsFileError(f"{name}: {exc}") from exc

    def _overlaid(self, values: Iterable[tuple[str, ParamValue]]) -> ParamStore:
        tables = {k: list(v) for k, v in self._tables.items()}
        given: dict[str, list[ParamValue]] = {}
        for path, value in values:
            given.setdefault(path, []).append(value)
        for path, new in given.items():
            tables[path] = [piece for e in tables.get(path, []) for piece in _outside(e, new)] + new
        return ParamStore(tables, horizon=self.horizon)


def _outside(entry: ParamValue, new: list[ParamValue]) -> list[ParamValue]:
    """The parts of ``entry`` that none of ``new`` covers (an entry may be cut in two)."""
    pieces = [entry]
    for n in new:
        out: list[ParamValue] = []
        for p in pieces:
            p_end = p.valid_to or YearOfAssessment(2200)
            n_end = n.valid_to or YearOfAssessment(2200)
            if n_end < p.valid_from or p_end < n.valid_from:
                out.append(p)
                continue
            if p.valid_from < n.valid_from:
                out.append(replace(p, valid_to=n.valid_from.previous()))
            if n.valid_to is not None and n_end < p_end:
                out.append(replace(p, valid_from=n.valid_to.next()))
        pieces = out
    return pieces


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
