"""hkvatax.batch: a generated customer base of every taxpayer kind, some broken, on a Dask LocalCluster
(2 worker processes) and a local pool: each taxpayer's rows equal assessing it alone, whatever the
partitioning, bucket count or scheduler; a broken customer is in the errors table and stops nobody."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("distributed")
pq = pytest.importorskip("pyarrow.parquet")

from hkvatax import compare_csv  # noqa: E402
from hkvatax.batch import BatchOptions, run_batch  # noqa: E402
from hkvatax.batch.core import SUMMARY_COLUMNS, _summary_rows, customer_label  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import batch_data  # noqa: E402

TAXPAYERS, EVENTS = 300, 30


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("batch")
    spoiled = batch_data.write_dataset(root, taxpayers=TAXPAYERS, events=EVENTS, partitions=5, seed=3, broken=9)
    return root, spoiled


@pytest.fixture(scope="module")
def cluster():
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      host="127.0.0.1") as lc, Client(lc) as client:
        yield client


def _rows(out: Path) -> list[dict[str, object]]:
    return pq.read_table(out / "summary.parquet").to_pylist()


def _errors(out: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for e in pq.read_table(out / "errors.parquet").to_pylist():
        found.setdefault(e["taxpayer_id"], set()).add(e["code"])
    return found


@pytest.fixture(scope="module")
def on_dask(data: tuple[Path, dict[str, str]], cluster, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root, _ = data
    out = tmp_path_factory.mktemp("dask-out")
    report = run_batch(root / "events", root / "customers.jsonl", out, client=cluster, progress=False,
                       options=BatchOptions(buckets=4, regimes=("baseline", "va_extension")))
    assert report.partitions == 5 and report.rows == TAXPAYERS * EVENTS
    return out


def test_every_kind_is_assessed_and_each_broken_customer_is_in_the_errors_table(
        data: tuple[Path, dict[str, str]], on_dask: Path) -> None:
    root, spoiled = data
    rows = _rows(on_dask)
    errors = _errors(on_dask)
    assessed = {r["taxpayer_id"] for r in rows}
    assert assessed | set(errors) == {f"C{n:07d}" for n in range(TAXPAYERS)} and not assessed & set(errors)
    expected = {"unknown_kind": {"unknown_kind"}, "missing_field": {"missing_field"},
                "invalid_customer": {"unknown_kind"}, "oversell": {"oversell"}}
    # (a misspelt purchase also leaves a later sale without its lot: the oversell is reported with it)
    assert all(expected[how] <= errors[t] <= expected[how] | {"oversell"} for t, how in spoiled.items())
    assert set(errors) == set(spoiled)
    kinds = {json.loads(line)["taxpayer"]["kind"] for line in (root / "customers.jsonl").open()}
    assert kinds - {"robot"} == {"individual", "corporation", "family_office", "private_fund"}
    assert {r["regime"] for r in rows} == {"baseline", "va_extension"}
    assert any(r["depends_on_proposed_law"] for r in rows) and any(r["path"] == "core" for r in rows)
    bad_row = next(e for e in pq.read_table(on_dask / "errors.parquet").to_pylist() if e["code"] == "unknown_kind"
                   and e["file"])
    assert bad_row["input_file"].endswith(".csv") and bad_row["input_row"] > 1
    with open(bad_row["input_file"], newline="") as fh:  # the input row named is the misspelt one
        line = list(csv.reader(fh))[bad_row["input_row"] - 1]
    assert line[0] == bad_row["taxpayer_id"] and line[3] == "acquistion"


def test_each_taxpayers_rows_equal_assessing_it_alone(data: tuple[Path, dict[str, str]], on_dask: Path) -> None:
    root, spoiled = data
    profiles = {c.pop("taxpayer_id"): c for c in map(json.loads, (root / "customers.jsonl").open())}
    ledgers: dict[str, list[list[str]]] = {}
    for part in sorted((root / "events").glob("*.csv")):
        with part.open(newline="") as fh:
            for row in list(csv.reader(fh))[1:]:
                ledgers.setdefault(row[0], []).append(row[1:])
    alone = []
    for tid in sorted(set(ledgers) - set(spoiled)):  # each alone, through the public CSV entry (the oracle)
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerows([batch_data.generate.HEADER, *ledgers[tid]])
        both = compare_csv(io.StringIO(text.getvalue()), profiles[tid], file=customer_label(tid))
        for outcome in (both.baseline, both.extension):
            alone.extend(_summary_rows(tid, outcome, len(ledgers[tid])))
    key = [("taxpayer_id", "ascending"), ("year", "ascending"), ("regime", "ascending")]
    got = sorted(_rows(on_dask), key=lambda r: tuple(str(r[k]) for k, _ in key))
    want = sorted(alone, key=lambda r: tuple(str(r[k]) for k, _ in key))
    assert [tuple(r[c] for c in SUMMARY_COLUMNS) for r in got] == [tuple(r[c] for c in SUMMARY_COLUMNS) for r in want]
    assert customer_label("C1") == "customer C1"


def test_results_are_identical_in_any_partitioning_bucket_count_and_scheduler(
        data: tuple[Path, dict[str, str]], on_dask: Path, tmp_path: Path) -> None:
    root, _ = data
    other = tmp_path / "parquet"
    batch_data.write_dataset(other, taxpayers=TAXPAYERS, events=EVENTS, partitions=3, seed=3, broken=9,
                             fmt="parquet")
    options = BatchOptions(buckets=7, regimes=("baseline", "va_extension"))
    run_batch(other / "events", root / "customers.jsonl", tmp_path / "pool", workers=2, progress=False,
              options=options)
    run_batch(root / "events", root / "customers.jsonl", tmp_path / "one", workers=1, progress=False,
              options=BatchOptions(buckets=1, regimes=("baseline", "va_extension")))
    reference = pq.read_table(on_dask / "summary.parquet")
    for out in ("pool", "one"):
        assert pq.read_table(tmp_path / out / "summary.parquet").equals(reference)
        assert {t: c for t, c in _errors(tmp_path / out).items()} == _errors(on_dask)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("small")
    batch_data.write_dataset(root, taxpayers=40, events=EVENTS, partitions=2, seed=5, broken=9)
    return root


def test_a_rerun_resumes_and_rewrites_nothing_done(small: Path, tmp_path: Path) -> None:
    root = small
    out = tmp_path / "out"
    options = BatchOptions(buckets=3, explain="summary")
    run_batch(root / "events", root / "customers.jsonl", out, workers=1, progress=False, options=options)
    first = {p: p.stat().st_mtime_ns for p in (out / "summary").iterdir()}
    lost = sorted(first)[1]
    lost.unlink()  # as if the job had died before this bucket was written
    run_batch(root / "events", root / "customers.jsonl", out, workers=1, progress=False, options=options)
    again = {p: p.stat().st_mtime_ns for p in (out / "summary").iterdir()}
    assert set(again) == set(first)
    assert all(again[p] == first[p] for p in first if p != lost)
    lines = [json.loads(x) for p in sorted((out / "explanations").iterdir()) for x in p.open()]
    assert {x["taxpayer_id"] for x in lines} == {r["taxpayer_id"] for r in _rows(out)}
    assert all(x["explanation"]["schema"] == "hkvatax.explanation/1" for x in lines)
    with pytest.raises(ValueError, match="other inputs or options"):
        run_batch(root / "events", root / "customers.jsonl", out, workers=1, progress=False,
                  options=BatchOptions(buckets=5))


def test_the_cli_runs_a_batch_with_customers_as_csv(tmp_path: Path, small: Path) -> None:
    from hkvatax.cli import main

    root = small
    customers = tmp_path / "customers.csv"
    with customers.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["taxpayer_id", "taxpayer.kind", "taxpayer.name", "taxpayer.methods"])
        for n in range(40):
            w.writerow([f"C{n:07d}", "corporation", f"Co {n}", '[{"method": "fifo", "from_year": "2018/19"}]'])
    assert main(["batch", str(root / "events"), "--customers", str(customers), "--out", str(tmp_path / "o"),
                 "--workers", "1", "--quiet", "--summary-format", "csv", "--buckets", "2"]) == 0
    with (tmp_path / "o" / "summary.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["regime"] for r in rows} == {"baseline"} and len({r["taxpayer_id"] for r in rows}) > 30


def test_a_partition_keeps_each_rows_physical_line_and_skips_blank_rows(tmp_path: Path) -> None:
    from hkvatax.batch.core import read_partition

    part = tmp_path / "p.csv"
    part.write_text('\ufefftaxpayer_id,Kind,note\n'
                    'A,acquisition,"two\nlines"\n'
                    '\n'
                    ' , ,\t\n'
                    'B,disposal\n'
                    'C,income,x\n', encoding="utf-8")
    columns, lines = read_partition(part)
    assert lines == [3, 6, 7]  # a record is numbered by its last line (csv.reader's line_num): the quoted
    # cell spans lines 2-3; the blank (4) and white-space (5) rows are skipped
    assert columns == {"taxpayer_id": ["A", "B", "C"], "kind": ["acquisition", "disposal", "income"],
                       "note": ["two\nlines", "", "x"]}  # a short row's missing cells are empty
    part.write_text("taxpayer_id,kind\n", encoding="utf-8")
    assert read_partition(part) == ({"taxpayer_id": [], "kind": []}, [])


_CELLS = st.text(alphabet=st.sampled_from(['a', 'B', '1', ' ', '\t', '\u3000', ',', '"', '\n', '\r', '\x00', 'é']),
                 max_size=40)  # any text: commas, quotes and line ends anywhere
_CLEAN = st.text(alphabet=st.sampled_from(['a', 'B', '1', ' ', '\t', '\u3000', 'é']), max_size=6)
_DIRTY = st.text(alphabet=st.sampled_from(['a', ' ', '"', '\r', '\x00']), max_size=6)  # the csv module's


@settings(max_examples=600, deadline=None)
@given(header=st.sampled_from(["taxpayer_id,kind,note", " Taxpayer_ID ,KIND", "a", "a,a,b", ""]),
       data=st.data(), bom=st.booleans(), tail=st.booleans())
def test_a_partition_cut_at_c_speed_reads_as_the_csv_module_reads_it(tmp_path_factory: pytest.TempPathFactory,
                                                                     header: str, data: st.DataObject, bom: bool,
                                                                     tail: bool) -> None:
    """Most bodies are rows of the header's width (the fast cut), some with a quote, CR, NUL, a blank or short
    row (the csv module's reading): either way the same columns, lines and errors."""
    from hkvatax.batch.core import _csv_columns, read_partition

    width = header.count(",") + 1
    row = st.lists(_CLEAN, min_size=width, max_size=width).map(",".join)
    odd = st.one_of(st.lists(_DIRTY, min_size=width, max_size=width).map(",".join),
                    st.lists(_CLEAN, min_size=1, max_size=width + 1).map(",".join), st.just(""), st.just(" , "))
    body = data.draw(st.one_of(st.lists(row, max_size=8).map("\n".join), _CELLS,
                               st.lists(st.one_of(row, odd), max_size=8).map("\n".join)))
    part = tmp_path_factory.mktemp("p") / "p.csv"
    part.write_bytes((("\ufeff" if bom else "") + header + "\n" + body + ("\n" if tail else "")).encode("utf-8"))

    def outcome(fn: Any) -> Any:
        try:
            return fn(part)
        except Exception as exc:  # noqa: BLE001 - the same error either way
            return type(exc).__name__, str(exc)

    assert outcome(read_partition) == outcome(_csv_columns)
