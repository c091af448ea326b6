"""Large CSV ledgers matched while they are read, on one or two processes (docs/decisions/0031-stream-and-fork.md).

:func:`aggregates_csv` reads a generic CSV ledger in chunks (:func:`hkvatax.io.fastcsv.read_chunks`) and
feeds each to an :class:`~hkvatax.ledger.fast.Aggregator`, so a million rows never exist as a million
objects at once. A file whose events are not in strictly increasing time is read whole and sorted instead
(:func:`hkvatax.io.fastcsv.read_share`). The result is the reference path's aggregates digit for digit, or
``None`` when the reference path must be used (an error to report, an unsupported input).

With ``processes=2`` (POSIX: ``os.fork``) the work is shared by two processes that both parse every row:
the parent matches by the first cost formula and checks the even chunks and the whole-ledger facts (unique
ids, token fees); the child matches by the second formula and checks the odd chunks, and sends its
aggregates back through a pipe as JSON (:func:`hkvatax.ledger.aggregate.to_json`: exact, no pickle). The
result is used only if both processes succeed, so every check has been made once; otherwise ``None``.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

from ..io.fastcsv import _Unsupported, read_chunks, read_share
from ..models.taxpayers import LotMethod
from .aggregate import LedgerAggregates, from_json, to_json
from .fast import Aggregator, _Fallback, _Unsorted

__all__ = ["aggregates_csv"]

# what a process that parses chunks it does not check may meet in them (the checking process refuses the
# file, so these only mean "not by the fast path")
_NOT_FAST = (_Unsupported, _Fallback, StopIteration, csv.Error, ValueError, ArithmeticError, TypeError, OSError,
             UnicodeDecodeError, IndexError, KeyError, AttributeError)
_MIN_ROWS_TO_FORK = 50_000  # below this a second process costs more than it saves


def aggregates_csv(path: str | Path | None = None, *, text: str | None = None, file: str | None = None,
                   methods: tuple[LotMethod, ...] = (LotMethod.FIFO,), processes: int = 1,
                   chunk: int = 20_000, fork_from: int = _MIN_ROWS_TO_FORK) -> dict[LotMethod,
                                                                                    LedgerAggregates] | None:
    """The aggregates of a generic CSV ledger under each cost formula, or None for the reference path.

    ``processes``: 1, or 2 to share the work with a forked process (used when the platform can fork and
    the file has at least ``fork_from`` lines, 50,000 by default; the result is identical either way).
    ``chunk``: rows per chunk (about).
    """
    name = file or (str(path) if path is not None else "<csv>")
    if text is None:
        assert path is not None
        try:
            with open(path, encoding="utf-8-sig", newline="") as fh:  # the reference's decoding
                text = fh.read()
        except (OSError, UnicodeDecodeError):
            return None
    if processes >= 2 and hasattr(os, "fork") and text.count("\n", 0, 1 << 24) >= fork_from:
        return _forked(text, name, methods, chunk)
    return _one(text, name, methods, chunk, 0, 1)


def _one(text: str, name: str, methods: tuple[LotMethod, ...], chunk: int, part: int,
         parts: int) -> dict[LotMethod, LedgerAggregates] | None:
    """This process's share: chunks ``part`` modulo ``parts`` checked, ``methods`` matched (may be none)."""
    shared = parts > 1
    try:
        agg = Aggregator(methods) if methods else None
        try:
            for led in read_chunks(text=text, file=name, chunk=chunk, part=part, parts=parts):
                if agg is not None:
                    agg.feed(led)
        except _Unsorted:  # events out of time order: read the whole file, sort it, match it
            assert agg is not None
            whole = read_share(text=text, file=name, chunk=chunk, part=part, parts=parts)
            if whole is None:
                return None
            agg = Aggregator(methods)
            agg.feed(whole, ordered=True)
        return agg.finish() if agg is not None else {}
    except (_Unsupported, _Fallback, StopIteration, csv.Error, ValueError, ArithmeticError, OSError,
            UnicodeDecodeError):
        return None
    except _NOT_FAST:
        if shared:
            return None  # garbage parsed from a chunk this process does not check: the other one refuses it
        raise


def _forked(text: str, name: str, methods: tuple[LotMethod, ...], chunk: int) -> dict[LotMethod,
                                                                                          LedgerAggregates] | None:
    mine, theirs = methods[:1], methods[1:]
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its share, then its aggregates as JSON on the pipe, then exit at once
        status = 1
        try:
            os.close(read_end)
            result = _one(text, name, theirs, chunk, 1, 2)
            payload = "null" if result is None else json.dumps([to_json(result[m]) for m in theirs])
            with os.fdopen(write_end, "w", encoding="utf-8") as fh:
                fh.write(payload)
            status = 0
        finally:
            os._exit(status)  # no atexit handlers, no flushing of the parent's buffers
    os.close(write_end)
    try:
        result = _one(text, name, mine, chunk, 0, 2)
    finally:
        with os.fdopen(read_end, encoding="utf-8") as fh:
            payload = fh.read()
        _, status = os.waitpid(pid, 0)
    if result is None or status != 0 or not payload:
        return None
    raw = json.loads(payload)
    if raw is None:
        return None
    result.update(zip(theirs, map(from_json, raw), strict=True))
    return {m: result[m] for m in methods}
