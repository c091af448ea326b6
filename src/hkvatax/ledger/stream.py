"""Large CSV ledgers matched while they are read, on one or two processes (docs/decisions/0031-stream-and-fork.md).

:func:`aggregates_csv` reads a generic CSV ledger in chunks (:func:`hkvatax.io.fastcsv.read_chunks`) and
feeds each to an :class:`~hkvatax.ledger.fast.Aggregator`, so a million rows never exist as a million
objects at once. A file whose events are not in strictly increasing time is read whole and sorted instead
(:func:`hkvatax.io.fastcsv.read_share`). The result is the reference path's aggregates digit for digit, or
``None`` when the reference path must be used (an error to report, an unsupported input).

With ``processes=2`` (POSIX: ``os.fork``) two processes share the work by (token, cost formula) pool,
planned from the tokens' volume in a sample of the file (:func:`_plan`: deterministic, so both agree); each
process splits every row into cells but checks, parses and matches only the rows of the tokens whose pools
it runs (and the parent the fees paid in HKD); each checks the column presence of half of the chunks, and
the parent the whole-ledger facts (unique ids, token fees). The child sends its aggregates back through a
pipe as JSON (:func:`hkvatax.ledger.aggregate.to_json`: exact, no pickle) and the parent merges them:
disposals belong to one pool and receipts to one token, so to one process; per-year statistics and fee
outgoings are exact sums; samples are merged in ledger order. The result is used only if both processes
succeed, so every check has been made once; otherwise ``None``.
"""

from __future__ import annotations

import csv
import gc
import json
import os
import zlib
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..io.fastcsv import _Unsupported, read_chunks, read_share, read_text
from ..models.taxpayers import LotMethod
from ..money import exact_context
from ..periods import YearOfAssessment
from .aggregate import SAMPLE_SIZE, Group, LedgerAggregates, YearStats, from_json, to_json
from .fast import Aggregator, TokenShare, _Fallback, _Unsorted

__all__ = ["aggregates_csv"]

# the exceptions a process may also meet in rows it parses but does not check (the checking process refuses
# the file, so they only mean "not by the fast path"); with one process they are bugs and propagate
_NOT_FAST = (TypeError, IndexError, KeyError, AttributeError)
_MIN_ROWS_TO_FORK = 50_000  # below this a second process costs more than it saves
_SAMPLES, _SAMPLE_CHARS = 64, 32_768  # the windows of the file whose rows decide who matches which token


def aggregates_csv(path: str | Path | None = None, *, text: str | None = None, file: str | None = None,
                   methods: tuple[LotMethod, ...] = (LotMethod.FIFO,), processes: int = 1,
                   chunk: int = 1_000, fork_from: int = _MIN_ROWS_TO_FORK,
                   assets: Collection[str] | None = None) -> dict[LotMethod, LedgerAggregates] | None:
    """The aggregates of a generic CSV ledger under each cost formula, or None for the reference path.

    ``assets``: the declared tokens, if any; a ledger using another token is left to the reference path
    (which reports it).
    ``processes``: 1, or 2 to share the work with a forked process (used when the platform can fork and
    the file has at least ``fork_from`` lines, 50,000 by default; the result is identical either way).
    ``chunk``: rows per chunk (about).
    """
    name = file or (str(path) if path is not None else "<csv>")
    try:
        text = read_text(path, text)
    except (OSError, UnicodeDecodeError):
        return None
    try:
        Aggregator(methods)  # validates the cost formulas: an unsupported one means the reference path, at once
    except _Fallback:
        return None
    if processes >= 2 and hasattr(os, "fork") and text.count("\n", 0, 1 << 24) >= fork_from:
        return _forked(text, name, methods, chunk, assets)
    part = _one(text, name, methods, chunk, 0, 1, None, assets)
    return None if part is None else part.aggregates


@dataclass
class _Part:
    """One process's result: its aggregates, where its fee samples sit in the ledger, the ledger's size."""

    aggregates: dict[LotMethod, LedgerAggregates]
    outgoing_keys: dict[Any, list[int]]
    rows: int

    def to_json(self) -> str:
        return json.dumps({"aggregates": [[m.value, to_json(a)] for m, a in self.aggregates.items()],
                           "outgoing_keys": [[y.start_year, kind, ded, keys]
                                             for (y, kind, ded), keys in self.outgoing_keys.items()],
                           "rows": self.rows})

    @classmethod
    def from_json(cls, payload: str) -> _Part:
        raw = json.loads(payload)
        return cls({LotMethod(m): from_json(a) for m, a in raw["aggregates"]},
                   {(YearOfAssessment(y), kind, ded): keys for y, kind, ded, keys in raw["outgoing_keys"]},
                   raw["rows"])


def _one(text: str, name: str, methods: tuple[LotMethod, ...], chunk: int, part: int, parts: int,
         share: TokenShare | None, assets: Collection[str] | None = None) -> _Part | None:
    """This process's share: chunks ``part`` modulo ``parts`` checked for presence, the rows and pools of
    ``share`` read, checked and matched (all if None)."""
    enabled = gc.isenabled()
    gc.disable()  # millions of short-lived acyclic objects: the cycle collector would only rescan them
    try:
        agg = Aggregator(methods, share)
        mine = None if share is None else share.reads
        rows = 0
        tokens: set[str] = set()
        try:
            for led in read_chunks(text=text, file=name, chunk=chunk, part=part, parts=parts, mine=mine):
                rows += led.span
                tokens |= led.tokens
                agg.feed(led, all_mine=True)
        except _Unsorted:  # events out of time order: read the whole file, sort it, match it
            whole = read_share(text=text, file=name, chunk=chunk, part=part, parts=parts)
            if whole is None:
                return None
            agg = Aggregator(methods, share)
            agg.feed(whole, ordered=True)
            rows, tokens = len(whole), whole.tokens
        if assets is not None and not tokens - {""} <= set(assets):
            return None  # an undeclared token: the reference path reports it
        return _Part(agg.finish(rows), agg.outgoing_keys, rows)
    except (_Unsupported, _Fallback, StopIteration, csv.Error, ValueError, ArithmeticError, OSError,
            UnicodeDecodeError):
        return None
    except _NOT_FAST:
        if parts > 1:
            return None  # garbage parsed from a chunk this process does not check: the other one refuses it
        raise
    finally:
        if enabled:
            gc.enable()


# relative costs a row of a token brings a process, for sharing the tokens (measured at 1M rows: ~1 µs to
# check and parse a row, ~0.9 µs to run it through one cost formula's pool; the unique-id check the parent
# makes ~0.2 µs a row of the whole file)
_READ, _RUN, _WHOLE = 1.0, 0.9, 0.2


def _plan(text: str, methods: tuple[LotMethod, ...], parts: int = 2) -> Callable[[str, LotMethod | None], int]:
    """Which process runs each (token, cost formula) pool, and counts each token's receipts and fees.

    By the tokens' rows in a sample of 64 windows of the file: whole tokens first, largest first, each to
    the least loaded process; then, while it lowers the busier process's load, a token is moved or split
    between the processes by formula (both then read its rows: a ledger of one token runs FIFO on one
    process and average cost on the other). A token not in the sample goes by a checksum of its name; fees
    paid in HKD to the parent. Deterministic in the text, so every process computes the same plan.
    """
    counts: Counter[str] = Counter()
    header = [h.strip().lower() for h in text[:text.find("\n")].split(",")]
    col = {c: header.index(c) for c in ("kind", "asset", "counter_asset", "fee_currency") if c in header}
    if "kind" in col and "asset" in col:
        step = max(_SAMPLE_CHARS, len(text) // _SAMPLES)
        for start in range(0, len(text), step):
            for line in text[start:start + _SAMPLE_CHARS].split("\n")[1:-1]:  # whole lines only
                cells = line.split(",")
                if len(cells) != len(header):
                    continue
                kind = cells[col["kind"]].strip()
                if kind == "fee" and "fee_currency" in col:
                    counts[cells[col["fee_currency"]].strip().upper()] += 1
                else:
                    counts[cells[col["asset"]].strip().upper()] += 1
                if kind == "swap" and "counter_asset" in col:
                    counts[cells[col["counter_asset"]].strip().upper()] += 1
    counts.pop("HKD", None)
    tokens = sorted(counts, key=lambda t: (-counts[t], t))
    where: dict[str, tuple[int, ...]] = {}  # token -> the process of each formula's pool, in ``methods`` order

    def loads() -> list[float]:
        out = [0.0] * parts
        out[0] += _WHOLE * sum(counts.values())
        for t, procs in where.items():
            for p in set(procs):
                out[p] += _READ * counts[t]
            for p in procs:
                out[p] += _RUN * counts[t]
        return out

    for t in tokens:  # whole tokens, largest first, to the least loaded process
        now = loads()
        p = min(range(parts), key=lambda k: (now[k], k))
        where[t] = (p,) * len(methods)
    options = sorted({tuple(o) for o in _assignments(len(methods), parts)})
    for _ in range(2 * len(tokens)):  # then move or split one token at a time while the busiest gets lighter
        best, best_load = None, max(loads())
        for t in tokens:
            kept = where[t]
            for option in options:
                if option == kept:
                    continue
                where[t] = option
                load = max(loads())
                if load < best_load - 1e-9:
                    best, best_load = (t, option), load
            where[t] = kept
        if best is None:
            break
        where[best[0]] = best[1]
    index = {m: i for i, m in enumerate(methods)}

    def owner(token: str, method: LotMethod | None) -> int:
        if token == "HKD":
            return 0
        procs = where.get(token)
        if procs is None:
            return zlib.crc32(token.encode()) % parts
        return procs[0] if method is None else procs[index[method]]

    return owner


def _assignments(n: int, parts: int) -> list[list[int]]:
    """Every way to give ``n`` pools to ``parts`` processes."""
    out: list[list[int]] = [[]]
    for _ in range(n):
        out = [a + [p] for a in out for p in range(parts)]
    return out


def _forked(text: str, name: str, methods: tuple[LotMethod, ...], chunk: int,
            assets: Collection[str] | None) -> dict[LotMethod, LedgerAggregates] | None:
    owner = _plan(text, methods)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its share, then its part as JSON on the pipe, then exit at once
        status = 1
        try:
            os.close(read_end)
            theirs = _one(text, name, methods, chunk, 1, 2, TokenShare(owner, 1, methods), assets)
            with os.fdopen(write_end, "w", encoding="utf-8") as fh:
                fh.write("null" if theirs is None else theirs.to_json())
            status = 0
        finally:
            os._exit(status)  # no atexit handlers, no flushing of the parent's buffers
    os.close(write_end)
    try:
        mine = _one(text, name, methods, chunk, 0, 2, TokenShare(owner, 0, methods), assets)
    finally:
        with os.fdopen(read_end, encoding="utf-8") as fh:
            payload = fh.read()
        _, status = os.waitpid(pid, 0)
    if mine is None or status != 0 or payload in ("", "null"):
        return None
    return _merge(mine, _Part.from_json(payload))


def _merge(a: _Part, b: _Part) -> dict[LotMethod, LedgerAggregates] | None:
    """The two processes' aggregates as one ledger's (tokens are disjoint; sums are exact)."""
    if a.rows != b.rows:
        return None
    out = {}
    with exact_context():
        for m, x in a.aggregates.items():
            y = b.aggregates[m]
            if x.disposals.keys() & y.disposals.keys() or x.receipts.keys() & y.receipts.keys():
                return None  # a token matched twice: never by construction
            agg = LedgerAggregates(event_count=a.rows, path="fast")
            agg.years_seen = x.years_seen | y.years_seen
            agg.disposals = dict(sorted({**x.disposals, **y.disposals}.items()))
            agg.receipts = dict(sorted({**x.receipts, **y.receipts}.items()))
            stats: dict[YearOfAssessment, YearStats] = {}
            for year in sorted(x.stats.keys() | y.stats.keys()):
                s = stats[year] = YearStats()
                for found in (x.stats.get(year), y.stats.get(year)):
                    if found is not None:
                        s.disposals += found.disposals
                        s.weighted_us += found.weighted_us
                        s.quantity += found.quantity
            agg.stats = stats
            outgoings: dict[Any, Group] = {}
            for key in sorted(x.outgoings.keys() | y.outgoings.keys()):
                g = outgoings[key] = Group()
                samples: list[tuple[int, tuple[str, Any]]] = []
                for group, keys in ((x.outgoings.get(key), a.outgoing_keys.get(key, [])),
                                    (y.outgoings.get(key), b.outgoing_keys.get(key, []))):
                    if group is not None:
                        g.total += group.total
                        g.receipts += group.receipts
                        g.count += group.count
                        samples += zip(keys, group.samples, strict=True)
                g.samples = [s for _, s in sorted(samples, key=lambda ks: ks[0])][:SAMPLE_SIZE]
            agg.outgoings = outgoings
            out[m] = agg
    return out
