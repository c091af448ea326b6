"""The batch's two kinds of task, as plain functions of files (run by any scheduler, any number of times).

1. :func:`split_partition` reads one input partition (CSV or Parquet: the generic ledger columns plus a
   taxpayer id column) and writes its rows, as text, into one Parquet piece per bucket
   (``_shuffle/b<k>/p<j>.parquet``), the bucket being a stable hash of the taxpayer id. A taxpayer's rows
   may so come from any partitions: each bucket gets all of them.
2. :func:`assess_bucket` reads a bucket's pieces in partition order, gathers each taxpayer's rows (input
   order kept), renders them as that taxpayer's generic CSV ledger and assesses it with
   :func:`hkvatax.assess_csv` (the one ledger core) and the taxpayer's profile from the
   customers table; writes the bucket's summary rows, errors and (on request) explanations.

A taxpayer's result depends only on its own rows and profile: the ledger's name is ``customer <id>`` and
a row number is the row of the taxpayer's own ledger (header = row 1), so it is the same in any
partitioning, bucket count or scheduler. The errors table also gives each problem's input file and row.
One taxpayer's problem (or even a bug hit by its data) is written to the errors table; the others go on.
Every output file is written under a temporary name and renamed when complete, so a rerun skips what
is done (resumption) and never reads a half-written file.
"""

from __future__ import annotations

import csv
import itertools
import json
import operator
import os
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import ArgumentError, HkvataxError, InputError, LedgerError
from ..io.loaders import CSV_COLUMNS
from ..periods import YearOfAssessment, parse_year_range
from ..runtime import gc_paused

__all__ = ["BatchOptions", "SUMMARY_COLUMNS", "ERROR_COLUMNS", "bucket_of", "split_partition", "assess_bucket",
           "read_partition", "write_table", "customer_label"]

_PART, _ROW = "_partition", "_row"


@dataclass(frozen=True)
class BatchOptions:
    """What to compute. ``regimes``: each one a summary row per year (both: one comparison run)."""

    years: str | None = None
    extension_first_year: str = "2025/26"
    regimes: tuple[str, ...] = ("baseline",)
    explain: str | None = None  # "summary" | "per_asset": also write each taxpayer's explanation
    id_column: str = "taxpayer_id"
    buckets: int | None = None  # work units of the second stage; default: one per input partition
    summary_format: str = "parquet"  # or "csv"

    def __post_init__(self) -> None:
        """Every bad value is an :class:`~hkvatax.errors.ArgumentError` (``invalid_argument``, naming the
        option; also a ``ValueError``)."""
        regimes = self.regimes
        if (not isinstance(regimes, tuple) or not regimes or len(set(regimes)) != len(regimes)
                or any(r not in ("baseline", "va_extension") for r in regimes)):
            raise ArgumentError("regimes", f"{regimes!r} is not a set of regimes",
                                "a tuple of baseline and/or va_extension, each once")
        if self.explain not in (None, "summary", "per_asset"):
            raise ArgumentError("explain", f"{self.explain!r} is not an explanation detail", "summary or per_asset")
        if self.summary_format not in ("parquet", "csv"):
            raise ArgumentError("summary_format", f"{self.summary_format!r} is not a summary format", "parquet or csv")
        if self.buckets is not None and (not isinstance(self.buckets, int) or isinstance(self.buckets, bool)
                                         or self.buckets < 1):
            raise ArgumentError("buckets", f"{self.buckets!r} is not a number of buckets", "a whole number, at least 1")
        if not isinstance(self.id_column, str) or not self.id_column.strip():
            raise ArgumentError("id_column", f"{self.id_column!r} is not a column name", "e.g. taxpayer_id")
        if self.years is not None:
            parse_year_range(self.years)  # an ArgumentError naming "year" when it is not a year or a range
        YearOfAssessment.parse(self.extension_first_year)


SUMMARY_COLUMNS: tuple[str, ...] = (
    "taxpayer_id", "year", "regime", "status", "character", "assessable_profits", "tax_payable",
    "losses_carried_forward", "exempt_profits", "net_profit", "capital_gains", "tax_payable_if_capital",
    "tax_payable_if_revenue", "missing_facts", "assumptions", "depends_on_proposed_law", "events", "path",
)
ERROR_COLUMNS: tuple[str, ...] = ("taxpayer_id", "code", "message", "file", "row", "column", "path",
                                  "input_file", "input_row")


def bucket_of(taxpayer_id: str, buckets: int) -> int:
    """A stable bucket for a taxpayer (the same in every process and run: CRC-32, not ``hash``)."""
    return zlib.crc32(taxpayer_id.encode("utf-8")) % buckets


def customer_label(taxpayer_id: str) -> str:
    return f"customer {taxpayer_id}"


# ------------------------------------------------------------------------------------------ files
def write_table(table: pa.Table, path: Path, fmt: str = "parquet") -> None:
    """Write ``table`` whole or not at all (a temporary name, then an atomic rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    if fmt == "csv":
        import pyarrow.csv as pcsv

        pcsv.write_csv(table, tmp)
    else:
        pq.write_table(table, tmp)
    os.replace(tmp, path)


def read_partition(path: Path) -> tuple[dict[str, list[str]], list[int]]:
    """An input partition's columns as text (empty string for a missing value), header names lower-cased,
    and each row's place in the file (CSV: its line, header = 1; Parquet: its 1-based row)."""
    if path.suffix.lower() == ".parquet":
        table = pq.read_table(path)
        out: dict[str, list[str]] = {}
        for name, column in zip(table.column_names, table.columns, strict=True):
            values = column.cast(pa.string()).to_pylist() if column.type != pa.string() else column.to_pylist()
            out[name.strip().lower()] = ["" if v is None else v for v in values]
        return out, list(range(1, table.num_rows + 1))
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            plain = _plain_columns(fh.read())
    except UnicodeDecodeError:
        plain = None  # (the csv module's reading reports it, as it always has)
    if plain is not None:
        header, cells = plain
        return dict(zip([h.strip().lower() for h in header], cells, strict=True)), list(range(2, len(cells[0]) + 2))
    return _csv_columns(path)


def _plain_columns(text: str) -> tuple[list[str], list[list[str]]] | None:
    """The header and columns of a CSV text that the csv module reads as one record per line, split at every
    comma — no quote, CR or NUL; every line with the header's number of cells; no blank line — cut at C speed
    (the usual export). None for any other text: :func:`_csv_columns` reads it."""
    if '"' in text or "\r" in text or "\x00" in text:
        return None
    lines = (text[:-1] if text.endswith("\n") else text).split("\n")
    header = lines[0].split(",")
    rows = lines[1:]
    width = len(header)
    if not lines[0] or not rows or set(map(str.count, rows, itertools.repeat(","))) != {width - 1} \
            or not all(map(str.strip, map(operator.methodcaller("replace", ",", ""), rows))) \
            or max(map(len, lines)) > csv.field_size_limit():  # (a cell the csv module would refuse)
        return None
    cells = ",".join(rows).split(",")
    return header, [cells[i::width] for i in range(width)]


def _csv_columns(path: Path) -> tuple[dict[str, list[str]], list[int]]:
    """A CSV partition read by the csv module (quoted cells, blank or short rows): each record's line."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = [h.strip().lower() for h in next(reader, [])]
        width = len(header)
        rows: list[list[str]] = []
        lines: list[int] = []
        for cells in reader:
            if not "".join(cells).strip():  # a blank row (every cell empty or white space)
                continue
            lines.append(reader.line_num)
            rows.append(cells if len(cells) == width else (cells + [""] * width)[:width])
    if not rows:
        return {h: [] for h in header}, lines
    return dict(zip(header, map(list, zip(*rows, strict=True)), strict=True)), lines


@gc_paused
def split_partition(path: str, index: int, buckets: int, shuffle_dir: str, id_column: str) -> int:
    """Stage 1 for one partition: its rows into ``buckets`` pieces. Returns the number of rows."""
    done = Path(shuffle_dir) / f"p{index:05d}.done"
    if done.exists():
        return int(done.read_text(encoding="utf-8") or 0)
    columns, lines = read_partition(Path(path))
    if id_column not in columns:
        raise ValueError(f"{path}: no {id_column!r} column")
    ids = columns[id_column]
    keep = [c for c in columns if c in CSV_COLUMNS or c == id_column]
    by_bucket: dict[int, list[int]] = {}
    for row, tid in enumerate(ids):
        by_bucket.setdefault(bucket_of(tid.strip(), buckets), []).append(row)
    whole = pa.table({**{c: pa.array(columns[c], pa.string()) for c in keep},
                      _PART: pa.array([index] * len(ids), pa.int64()), _ROW: pa.array(lines, pa.int64())})
    for b, rows in by_bucket.items():  # each bucket's rows, in input order, taken in one step
        write_table(whole.take(pa.array(rows, pa.int64())), Path(shuffle_dir) / f"b{b:05d}" / f"p{index:05d}.parquet")
    done.write_text(str(len(ids)), encoding="utf-8")
    return len(ids)


# ------------------------------------------------------------------------------------------ stage 2
@dataclass(frozen=True)
class _Bucket:
    """A bucket's rows, column by column (text; empty string for a missing cell), in partition order then
    row order, and each taxpayer's row indexes into them (its own input order)."""

    header: tuple[str, ...]  # the ledger columns present, in the generic CSV's order
    cells: tuple[list[str], ...]  # one list per header column
    part: list[int]
    line: list[int]
    by_taxpayer: dict[str, list[int]]

    def rows(self, taxpayer_id: str) -> list[tuple[str, ...]]:
        """The taxpayer's rows as tuples in ``header`` order (what :func:`hkvatax.assess_rows` takes)."""
        cells = self.cells
        return [tuple(c[i] for c in cells) for i in self.by_taxpayer.get(taxpayer_id, ())]

    def columns(self, taxpayer_id: str) -> dict[str, list[str]]:
        """The taxpayer's rows column by column, ``{column: cells}`` in ``header`` order (what the core reads)."""
        found = self.by_taxpayer.get(taxpayer_id, ())
        return {h: [c[i] for i in found] for h, c in zip(self.header, self.cells, strict=True)}

    def count(self, taxpayer_id: str) -> int:
        return len(self.by_taxpayer.get(taxpayer_id, ()))

    def origin(self, taxpayer_id: str, row: int | None, inputs: Sequence[str]) -> tuple[str | None, int | None]:
        """The input file and row of the taxpayer's ``row``-th row (1-based), if there is one."""
        found = self.by_taxpayer.get(taxpayer_id, [])
        if row is None or not 1 <= row <= len(found):
            return None, None
        i = found[row - 1]
        return inputs[self.part[i]], self.line[i]


def _read_bucket(pieces: Sequence[Path], id_column: str) -> _Bucket:
    """Read a bucket's pieces (one per input partition that has its taxpayers) into one column-wise table."""
    header = sorted({c for piece in pieces for c in pq.read_schema(piece).names if c in CSV_COLUMNS},
                    key=CSV_COLUMNS.index)
    cells: list[list[str]] = [[] for _ in header]
    ids: list[str] = []
    part: list[int] = []
    line: list[int] = []
    for piece in sorted(pieces):  # partition order, then row order within each piece
        table = pq.read_table(piece)
        n = table.num_rows
        names = set(table.column_names)
        for j, c in enumerate(header):
            if c in names:
                cells[j].extend("" if v is None else v for v in table.column(c).to_pylist())
            else:
                cells[j].extend([""] * n)
        ids.extend(str(v).strip() for v in table.column(id_column).to_pylist())
        part.extend(table.column(_PART).to_pylist())
        line.extend(table.column(_ROW).to_pylist())
    by_taxpayer: dict[str, list[int]] = {}
    for i, tid in enumerate(ids):
        by_taxpayer.setdefault(tid, []).append(i)
    return _Bucket(tuple(header), tuple(cells), part, line, by_taxpayer)


_NO_ROWS = _Bucket(("timestamp", "kind"), ([], []), [], [], {})


def _error_rows(taxpayer_id: str, problems: Iterable[Any], bucket: _Bucket,
                inputs: Sequence[str]) -> list[dict[str, Any]]:
    out = []
    for p in problems:
        d = p.to_dict()
        input_file, input_row = bucket.origin(taxpayer_id, d["row"] if d["file"] == customer_label(taxpayer_id)
                                              else None, inputs)
        out.append({"taxpayer_id": taxpayer_id, "code": d["code"], "message": d["message"], "file": d["file"],
                    "row": d["row"], "column": d["column"], "path": d["path"], "input_file": input_file,
                    "input_row": input_row})
    return out


def _summary_rows(taxpayer_id: str, outcome: Any, events: int) -> list[dict[str, Any]]:
    from ..render.summary import year_summaries

    path = "reference" if outcome.aggregates is None else outcome.aggregates.path
    out = []
    for rec in year_summaries(outcome):
        row = {"taxpayer_id": taxpayer_id, **{k: rec[k] for k in SUMMARY_COLUMNS[1:11]}}
        for branch in ("capital", "revenue"):
            figures = rec[f"if_{branch}"]
            row[f"tax_payable_if_{branch}"] = None if figures is None else figures["tax_payable"]
        row.update(missing_facts=";".join(rec["missing_facts"]), assumptions=";".join(rec["assumptions"]),
                   depends_on_proposed_law=rec["depends_on_proposed_law"], events=events, path=path)
        out.append(row)
    return out


def assess_customer(taxpayer_id: str, rows: Sequence[Sequence[str]], columns: Sequence[str],
                    profile: Mapping[str, Any], options: BatchOptions, *,
                    cells: Mapping[str, Sequence[str]] | None = None) -> list[Any]:
    """The assessments of one taxpayer (one per regime asked), from its own rows (tuples in ``columns``'
    order) through the in-memory column-wise entry :func:`hkvatax.assess_rows` (or
    :func:`hkvatax.compare_rows` for both regimes, matched once). The ledger is named
    ``customer <id>`` and its rows are numbered from 1. ``cells``: the same rows column by column
    (``{column: cells}``, strings), as a bucket holds them: then handed to the core as they are and
    ``rows`` is not read (the same result; decision 0183)."""
    from ..compare import compare
    from ..engine import _ledger_columns, assess, ledger_rows

    label = customer_label(taxpayer_id)
    if cells is not None:
        scenario, matched = _ledger_columns(cells, profile, file=label)
    else:
        scenario, matched = ledger_rows(rows, profile, columns=columns, file=label)
    if set(options.regimes) == {"baseline", "va_extension"}:
        both = compare(scenario, options.years, extension_first_year=options.extension_first_year, matched=matched)
        return [both.baseline, both.extension] if options.regimes[0] == "baseline" else [both.extension,
                                                                                        both.baseline]
    return [assess(scenario, options.years, regime=options.regimes[0],
                   extension_first_year=options.extension_first_year, matched=matched)]


def _problem(code: str, message: str) -> Any:
    from ..errors import Problem

    return Problem(code, message)


@gc_paused  # (a bucket's 600 customers: a few thousand cyclic objects in all, collected after it; decision 0176)
def assess_bucket(bucket: int, shuffle_dir: str, out_dir: str, inputs: Sequence[str],
                  customers: Mapping[str, Mapping[str, Any] | str], options: BatchOptions) -> dict[str, int]:
    """Stage 2 for one bucket; ``customers``: each taxpayer of the bucket's profile (or the text of its
    problem, from reading the customers table). Returns counts; skips a bucket already written."""
    out = Path(out_dir)
    summary_path = out / "summary" / f"b{bucket:05d}.{options.summary_format}"
    errors_path = out / "errors" / f"b{bucket:05d}.parquet"
    if summary_path.exists() and errors_path.exists():
        return {"taxpayers": -1, "errors": -1}  # done in an earlier run
    pieces = list((Path(shuffle_dir) / f"b{bucket:05d}").glob("p*.parquet"))
    held = _read_bucket(pieces, options.id_column) if pieces else _NO_ROWS
    ids = sorted(set(held.by_taxpayer) | set(customers))
    summary: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    explanations: list[str] = []
    for tid in ids:
        count = held.count(tid)
        profile = customers.get(tid)
        if not tid:
            errors.extend(_error_rows(tid, [_problem("missing_field", f"{count} rows have no taxpayer id")],
                                      held, inputs))
            continue
        if profile is None:
            errors.extend(_error_rows(tid, [_problem("missing_field", "no customer record for this taxpayer id")],
                                      held, inputs))
            continue
        if isinstance(profile, str):
            errors.extend(_error_rows(tid, [_problem("invalid_field", profile)], held, inputs))
            continue
        try:
            outcomes = assess_customer(tid, (), held.header, profile, options, cells=held.columns(tid))
        except InputError as exc:
            from ..engine import further_problems

            errors.extend(_error_rows(tid, [*exc.problems, *further_problems(exc)], held, inputs))
            continue
        except LedgerError as exc:
            errors.extend(_error_rows(tid, [exc.problem], held, inputs))
            continue
        except (HkvataxError, ValueError, ArithmeticError, RecursionError) as exc:
            errors.extend(_error_rows(tid, [_problem("invalid_field", f"{type(exc).__name__}: {exc}")], held, inputs))
            continue
        except Exception as exc:  # a bug hit by this taxpayer's data: report it, go on with the others
            errors.append({"taxpayer_id": tid, "code": "invariant", "message": f"{type(exc).__name__}: {exc}",
                           "file": None, "row": None, "column": None, "path": None, "input_file": None,
                           "input_row": None})
            continue
        for outcome in outcomes:
            summary.extend(_summary_rows(tid, outcome, count))
            if options.explain:
                explanations.append(json.dumps({"taxpayer_id": tid, "regime": outcome.regime,
                                                "explanation": outcome.explain(detail=options.explain).to_dict()},
                                               sort_keys=True, ensure_ascii=False))
    if options.explain:
        target = out / "explanations" / f"b{bucket:05d}.jsonl"
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_text("".join(e + "\n" for e in explanations), encoding="utf-8")
        os.replace(tmp, target)
    write_table(_table(errors, ERROR_COLUMNS, _ERROR_TYPES), errors_path)
    write_table(_table(summary, SUMMARY_COLUMNS, _SUMMARY_TYPES), summary_path, options.summary_format)
    return {"taxpayers": len(ids), "errors": len({e["taxpayer_id"] for e in errors})}


_SUMMARY_TYPES = {"depends_on_proposed_law": pa.bool_(), "events": pa.int64()}
_ERROR_TYPES = {"row": pa.int64(), "input_row": pa.int64()}


def _table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], types: Mapping[str, pa.DataType]) -> pa.Table:
    schema = pa.schema([(c, types.get(c, pa.string())) for c in columns])
    return pa.table({c: [r.get(c) for r in rows] for c in columns}, schema=schema)
