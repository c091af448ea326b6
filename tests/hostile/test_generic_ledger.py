"""The generic CSV ledger with a profile, damaged cell by cell and as text, read and assessed end to end.

Rows start plausible (every kind, in order, with amounts, fees, wallets, lots, notes) and are then damaged:
cells replaced by hostile values, lines edited as text (a quote opened in a note, a stray comma, a line
doubled or cut). Each written record must end as an event naming its line or in a problem naming it
(:func:`check_generic_rows`); the same text is then assessed with a profile (sometimes a damaged one) and
must end in a result or registered codes.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

import hkvatax
from hkvatax.io import read_csv_events
from hkvatax.io.loaders import CSV_COLUMNS

from .harness import case, check_error, hostile_settings, outcome_of, record_spans, tolerated
from .test_hostile_inputs import CELL
from .test_importer_text_mutations import FIELDS, _mutate_line

KINDS = ["acquisition", "disposal", "swap", "fee", "transfer", "receipt", "payment", "loss", "income", "expense"]
PROFILE = {"taxpayer": {"kind": "individual", "name": "Ann"}, "assets": [{"symbol": "BTC"}, {"symbol": "ETH"}]}
HOSTILE_PROFILE = st.sampled_from([
    {"taxpayer": {"kind": "corporation", "name": "Co"}, "assets": [{"symbol": "BTC"}, {"symbol": "ETH"}]},
    {"taxpayer": {"kind": "individual", "name": "Ann"}, "default_timezone": "Asia/Hong_Kong"},
    {"taxpayer": {"kind": "individual"}},
    {"taxpayer": {"kind": "robot", "name": "x"}},
    {"taxpayer": {"kind": "individual", "name": "Ann"}, "events": [{"kind": "acquisition"}]},
    {"taxpayer": {"kind": "individual", "name": "Ann"}, "settings": {"price_max_age_days": -1}},
    {"taxpayer": {"kind": "individual", "name": "Ann", "methods": [{"method": "lifo", "from_year": "2023/24"}]}},
    {"taxpayer": {"kind": "individual", "name": "Ann"}, "rates": [{"base": "USD", "quote": "HKD", "rate": "7.8",
                                                                  "at": "2020-01-01T00:00:00+08:00", "source": "t"}]},
    {},
])


@st.composite
def plausible_rows(draw: st.DrawFn) -> list[dict[str, str]]:
    rows = []
    at = datetime(2023, 4, 1, 9, 0)
    for n in range(draw(st.integers(1, 8))):
        at += timedelta(hours=draw(st.integers(1, 2000)))
        kind = draw(st.sampled_from(["acquisition"] * 3 + KINDS))
        row = {"id": f"r{n}", "timestamp": at.isoformat() + "+08:00", "kind": kind,
               "asset": draw(st.sampled_from(["BTC", "ETH"])), "quantity": draw(st.sampled_from(["0.5", "1", "2"])),
               "amount": draw(st.sampled_from(["100", "25000.50", "300000"]))}
        if kind == "swap":
            row.update(counter_asset="ETH" if row["asset"] == "BTC" else "BTC", counter_quantity="3")
        if kind == "transfer":
            row.update(wallet="hot", to_wallet="cold", amount="")
        if kind in ("fee", "income", "expense"):
            row.update(asset="", quantity="")
        if draw(st.integers(0, 3)) == 0:
            row.update(fee_amount="5", fee_currency="HKD")
        if draw(st.integers(0, 3)) == 0:
            row["note"] = draw(st.sampled_from(["bought on the app", '"quoted" note', "a, b", "line\nbreak"]))
        rows.append(row)
    return rows


def check_generic_rows(text: str, events: list[Any], problems: list[Any], *, raw: bool) -> None:
    """Every record of ``text`` with content is an event naming its line or named by a problem. A record
    Python's csv reads over several lines (a quote opened and not closed on its line, or a cell with a line
    break) is refused at its first line, and each line after it is read on its own (decision 0150).
    (``raw``: the text was edited without a CSV writer.)"""
    if any(p.source.row in (None, 1) for p in problems):  # the header or the file was refused
        assert not events
        return
    used = {e.source.row for e in events}
    reported = {p.source.row for p in problems}
    assert len(used) == len(events), "two events name one line"
    spans = record_spans(text)[1:]
    lines = text.split("\n")
    for first, last in spans:
        content = "\n".join(lines[first - 1:last]).strip().strip(",").strip()
        if not content:
            continue
        covered = set(range(first, last + 1))
        if last > first:  # line `first` opens a quote it does not close: refused there, never merged (0150)
            if (first in used or first not in reported) and tolerated("csv-unbalanced-quote"):
                continue
            assert first in reported and first not in used, \
                f"line {first} opens a quote over lines {first}-{last} and was used or not reported"
            unread = [n for n in covered if lines[n - 1].strip().strip(",").strip() and n not in used | reported]
            assert not unread, f"lines {unread} after the quote opened on line {first} were neither used nor reported"
            continue
        assert covered & (used | reported), f"the record at lines {first}-{last} was neither used nor reported"


@hostile_settings("generic-ledger", 500)
@given(rows=plausible_rows(), data=st.data())
def test_damaged_generic_ledger_rows_are_all_accounted_for_and_assess_cleanly(rows: list[dict[str, str]],
                                                                              data: st.DataObject) -> None:
    with case("generic-ledger"):
        for _ in range(data.draw(st.integers(0, 3), label="cell edits")):
            row = data.draw(st.sampled_from(rows))
            row[data.draw(st.sampled_from(CSV_COLUMNS))] = data.draw(st.one_of(CELL, FIELDS))
        raw = data.draw(st.booleans(), label="text edit")
        if raw:  # lines edited as text afterwards: the generator then writes no line break inside a cell
            rows = [{k: v.replace("\r", " ").replace("\n", " ") for k, v in r.items()} for r in rows]
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(CSV_COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        text = out.getvalue()
        if raw:  # one line edited as text: the writer's quoting no longer holds
            lines = text.split("\n")
            i = data.draw(st.integers(1, len(lines) - 2), label="line")
            lines[i] = _mutate_line(data, lines[i])
            text = "\n".join(lines)
        events, problems = read_csv_events(text=text, file="ledger.csv")
        for p in problems:
            check_error(hkvatax.InputError([p]))
        check_generic_rows(text, events, problems, raw=raw)
        profile = PROFILE if data.draw(st.booleans()) else data.draw(HOSTILE_PROFILE)
        outcome = outcome_of(lambda: hkvatax.assess_csv(io.StringIO(text), profile, file="ledger.csv"))
        if outcome is not None:
            outcome.explain(detail="per_asset").to_text()
