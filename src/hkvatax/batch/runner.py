"""Running a batch: the customers table, the two stages on a scheduler, progress, resumption, the summary.

Schedulers: ``workers=1`` without a scheduler runs every task in this process; otherwise a local pool of
worker processes (``workers``, default the CPU count); or a Dask cluster (``scheduler="tcp://host:8786"``,
or a ``distributed.Client``). The tasks are the same functions (:mod:`hkvatax.batch.core`) whatever runs
them, so the results are identical. A Dask cluster's workers must see the input and output folders at
the same paths (a shared file system; docs/scale.md).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ..io.loaders import load_profile
from .core import (
    _SUMMARY_TYPES,
    ERROR_COLUMNS,
    SUMMARY_COLUMNS,
    BatchOptions,
    assess_bucket,
    bucket_of,
    split_partition,
    write_table,
)

__all__ = ["BatchReport", "read_customers", "run_batch", "partitions_of"]

_SUFFIXES = (".csv", ".parquet")


@dataclass(frozen=True)
class BatchReport:
    partitions: int
    buckets: int
    rows: int
    taxpayers: int
    taxpayers_with_errors: int
    seconds: float
    out: str

    def __str__(self) -> str:
        return (f"{self.taxpayers} taxpayers ({self.taxpayers_with_errors} with errors, see errors.parquet) from "
                f"{self.rows} rows in {self.partitions} partitions, {self.buckets} work units, "
                f"{self.seconds:.1f} s; summary in {self.out}")


def partitions_of(source: str | Path, out: Path | None = None) -> list[Path]:
    """The input's partitions: the file itself, or every CSV / Parquet file under the folder, by path."""
    root = Path(source)
    if root.is_file():
        return [root]
    found = [p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in _SUFFIXES
             and not p.name.startswith(".") and (out is None or out.resolve() not in p.resolve().parents)]
    if not found:
        raise FileNotFoundError(f"no .csv or .parquet partitions in {root}")
    return sorted(found)


def _flag_fields() -> frozenset[str]:
    """The names of the models' true/false fields (a CSV cell is text: it is read as a CSV ledger's flags are)."""
    from pydantic import BaseModel

    from .. import models

    found: set[str] = set()
    seen: set[type] = set()
    todo = [m for m in vars(models).values() if isinstance(m, type) and issubclass(m, BaseModel)]
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, info in model.model_fields.items():
            text = str(info.annotation)
            if "bool" in text.lower() and "list" not in text.lower():
                found.add(name)
    return frozenset(found)


def _nest(flat: Mapping[str, str], flags: frozenset[str] = frozenset()) -> dict[str, Any]:
    """A CSV customer row as a profile: dotted column names nest (``taxpayer.kind``); a cell that starts
    with ``[`` or ``{`` is JSON (``taxpayer.methods``); a true/false field (``flags``) takes
    true/false, yes/no, y/n or 1/0 (anything else is left for the models to refuse); empty cells are left out."""
    from ..io.loaders import _truthy

    out: dict[str, Any] = {}
    for key, text in flat.items():
        value: Any = text.strip()
        if value == "":
            continue
        if value[:1] in "[{":
            value = _json_cell(value)
        elif key.rsplit(".", 1)[-1] in flags:
            try:
                value = _truthy(value)
            except ValueError:
                pass
        node = out
        *parents, leaf = key.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
    return out


def _refused(text: str) -> Any:
    raise ValueError(f"the number {text} has a fraction: give money as a string")


def _json_cell(text: str) -> Any:
    """A JSON cell of a customers CSV, read by the bounded reader (hkvatax.documents: size, depth, integer
    length, duplicate keys; a ``ValueError`` beyond a limit, as for JSON that does not parse); a number with
    a fraction is refused (money is given as a string)."""
    from ..documents import FloatLiteral, read_json

    def check(v: Any) -> Any:
        if isinstance(v, FloatLiteral):
            _refused(str(v))
        elif isinstance(v, dict):
            for item in v.values():
                check(item)
        elif isinstance(v, list):
            for item in v:
                check(item)
        return v

    return check(read_json(text))


def read_customers(path: str | Path, id_column: str = "taxpayer_id") -> tuple[dict[str, dict[str, Any] | str],
                                                                               list[dict[str, Any]]]:
    """The customers table: taxpayer id → its profile (taxpayer, assets, rates, settings,
    default_timezone), or the text of the problem that makes it unusable; and the rows with no id."""
    import csv

    source = Path(path)
    records: list[tuple[int, dict[str, Any] | str]] = []
    if source.suffix.lower() == ".csv":
        flags = _flag_fields()
        with source.open(encoding="utf-8-sig", newline="") as fh:
            for line, row in enumerate(csv.DictReader(fh), start=2):
                try:
                    records.append((line, _nest({k.strip(): v or "" for k, v in row.items() if k}, flags)))
                except ValueError as exc:
                    records.append((line, {id_column: (row.get(id_column) or "").strip(), "_problem": str(exc)}))
    else:
        with source.open("rb") as fh:
            for line, raw in enumerate(fh, start=1):
                if not raw.strip():
                    continue
                try:
                    records.append((line, load_profile(f"{source.name}:{line}.json", content=raw)))
                except Exception as exc:  # InputError: the line is no JSON object
                    records.append((line, str(exc)))
    customers: dict[str, dict[str, Any] | str] = {}
    orphans: list[dict[str, Any]] = []
    for line, rec in records:
        tid = str(rec.get(id_column, "")).strip() if isinstance(rec, dict) else ""
        if not tid:
            orphans.append({"taxpayer_id": "", "code": "missing_field", "file": source.name, "row": line,
                            "column": id_column, "message": rec if isinstance(rec, str) else
                            f"a customer record without {id_column!r}"})
            continue
        assert isinstance(rec, dict)
        profile = {k: v for k, v in rec.items() if k != id_column}
        if tid in customers:
            customers[tid] = f"the customers table has more than one record for {tid!r} (row {line})"
        elif "_problem" in profile:
            customers[tid] = f"customer record (row {line}): {profile['_problem']}"
        elif "rates_file" in profile:
            customers[tid] = "a customer record cannot name a rates_file: give its rates inline"
        else:
            customers[tid] = profile
    return customers, orphans


# ------------------------------------------------------------------------------------------ scheduling
def _progress(total: int, desc: str, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="task", disable=not enabled, file=sys.stderr, leave=True)


def _map(fn: Callable[..., Any], calls: Sequence[tuple[Any, ...]], *, desc: str, client: Any, pool: Any,
         progress: bool) -> list[Any]:
    """``fn(*args)`` for every call, on the scheduler; results in call order."""
    results: list[Any] = [None] * len(calls)
    with _progress(len(calls), desc, progress) as bar:
        if client is not None:
            from distributed import as_completed as dask_completed

            futures = [client.submit(fn, *args, pure=False) for args in calls]
            index = {f.key: i for i, f in enumerate(futures)}
            for future in dask_completed(futures):  # type: ignore[no-untyped-call]
                results[index[future.key]] = future.result()
                bar.update(1)
        elif pool is not None:
            local: dict[Future[Any], int] = {pool.submit(fn, *args): i for i, args in enumerate(calls)}
            for done in as_completed(local):
                results[local[done]] = done.result()
                bar.update(1)
        else:
            for i, args in enumerate(calls):
                results[i] = fn(*args)
                bar.update(1)
    return results


def _safe_split(path: str, index: int, buckets: int, shuffle_dir: str, id_column: str) -> tuple[int, str | None]:
    """Stage 1, with an unreadable partition reported (its rows are then missing: the errors table says so)."""
    try:
        return split_partition(path, index, buckets, shuffle_dir, id_column), None
    except Exception as exc:  # an unreadable file: reported, the other partitions go on
        return 0, f"{type(exc).__name__}: {exc}"


def _concat(paths: Iterable[Path], fmt: str) -> pa.Table | None:
    tables = []
    for p in sorted(paths):
        if fmt == "csv":
            import pyarrow.csv as pcsv

            types = {c: _SUMMARY_TYPES.get(c, pa.string()) for c in SUMMARY_COLUMNS}
            tables.append(pcsv.read_csv(p, convert_options=pcsv.ConvertOptions(column_types=types)))
        else:
            tables.append(pq.read_table(p))
    return pa.concat_tables(tables, promote_options="permissive") if tables else None


def run_batch(source: str | Path, customers: str | Path, out: str | Path, *, options: BatchOptions | None = None,
              scheduler: str | None = None, client: Any = None, workers: int | None = None,
              progress: bool = True) -> BatchReport:
    """Assess every taxpayer of ``source`` (partitions with a taxpayer id column) with its profile from
    ``customers`` (CSV or JSON lines); write ``out``/summary.(parquet|csv), errors.parquet, per-bucket
    files and (on request) explanations/. A rerun with the same arguments resumes."""
    options = options or BatchOptions()
    start = time.perf_counter()
    out_dir = Path(out)
    inputs = partitions_of(source, out_dir)
    buckets = options.buckets or len(inputs)
    out_dir.mkdir(parents=True, exist_ok=True)
    plan = {"inputs": [str(p.resolve()) for p in inputs], "buckets": buckets, "options": asdict(options)}
    plan_file = out_dir / "_batch.json"
    if plan_file.exists() and json.loads(plan_file.read_text(encoding="utf-8")) != json.loads(json.dumps(plan)):
        raise ValueError(f"{out_dir} holds a batch with other inputs or options: use another --out to start anew")
    plan_file.write_text(json.dumps(plan, indent=2), encoding="utf-8")
    shuffle = out_dir / "_shuffle"
    shuffle.mkdir(exist_ok=True)
    table, orphans = read_customers(customers, options.id_column)
    by_bucket: list[dict[str, Any]] = [{} for _ in range(buckets)]
    for tid, profile in table.items():
        by_bucket[bucket_of(tid, buckets)][tid] = profile

    own_client = own_pool = None
    if client is None and scheduler is not None:
        from distributed import Client

        client = own_client = Client(scheduler)  # type: ignore[no-untyped-call]
    pool = None
    if client is None and (workers or 0) != 1:
        import multiprocessing

        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        pool = own_pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method))
    try:
        names = [str(p) for p in inputs]
        split = _map(_safe_split, [(n, j, buckets, str(shuffle), options.id_column) for j, n in enumerate(names)],
                     desc="split", client=client, pool=pool, progress=progress)
        _map(assess_bucket, [(k, str(shuffle), str(out_dir), names, by_bucket[k], options)
                                      for k in range(buckets)],
                      desc="assess", client=client, pool=pool, progress=progress)
    finally:
        if own_pool is not None:
            own_pool.shutdown()
        if own_client is not None:
            own_client.close()  # type: ignore[no-untyped-call]
    for j, (_, problem) in enumerate(split):
        if problem is not None:
            orphans.append({"taxpayer_id": "", "code": "bad_file", "message": problem, "file": names[j],
                            "input_file": names[j]})
    if orphans:
        write_table(pa.table({c: [o.get(c) for o in orphans] for c in ERROR_COLUMNS},
                             schema=pa.schema([(c, pa.int64() if c in ("row", "input_row") else pa.string())
                                               for c in ERROR_COLUMNS])), out_dir / "errors" / "inputs.parquet")
    summary = _concat((out_dir / "summary").glob(f"b*.{options.summary_format}"), options.summary_format)
    if summary is not None:
        summary = summary.sort_by([("taxpayer_id", "ascending"), ("year", "ascending"), ("regime", "ascending")])
        write_table(summary, out_dir / f"summary.{options.summary_format}", options.summary_format)
    errors = _concat((out_dir / "errors").glob("*.parquet"), "parquet")
    if errors is not None:
        write_table(errors.sort_by([("taxpayer_id", "ascending")]), out_dir / "errors.parquet")
    taxpayers = len(set(summary.column("taxpayer_id").to_pylist())) if summary is not None else 0
    failed = {t for t in (errors.column("taxpayer_id").to_pylist() if errors is not None else []) if t}
    return BatchReport(len(inputs), buckets, sum(n for n, _ in split), taxpayers + len(failed - set(
        summary.column("taxpayer_id").to_pylist() if summary is not None else [])), len(failed),
        time.perf_counter() - start, str(out_dir / f"summary.{options.summary_format}"))
