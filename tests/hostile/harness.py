"""What every hostile case must end in, checked the same way by every generator of the hostile suite.

A case ends in a *clear answer*: a result, or an error of hkvatax's own hierarchy whose every problem has a
code catalogued in docs/errors.md (:data:`hkvatax.errors.ERROR_CODES`) and is not a "bug, please report"
code. It never ends in a traceback (any other exception), a hang (each case runs under :func:`case`, which
stops it after :data:`CASE_SECONDS`) or an unaccounted row (:func:`check_rows_accounted`).

The count of cases run is kept here and printed at the end of the pytest session (tests/hostile/conftest.py).
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from hypothesis import HealthCheck, settings

from hkvatax.errors import ERROR_CODES, HkvataxError, InvariantError

__all__ = ["COUNTER", "PLANNED", "CASE_SECONDS", "BUG_CODES", "count", "case", "hostile_settings",
           "check_error", "outcome_of", "check_rows_accounted", "record_spans", "OPEN_DEFECTS", "MET",
           "tolerated"]

#: Cases run in this session, by generator.
COUNTER: dict[str, int] = {}
#: The examples each hostile test asks hypothesis for (filled by :func:`hostile_settings`).
PLANNED: dict[str, int] = {}
#: Per-case limit: far above what any case needs (milliseconds), so only a hang or a blow-up reaches it.
CASE_SECONDS = int(os.environ.get("HKVATAX_HOSTILE_CASE_SECONDS", "30"))
#: Codes that mean "a bug in hkvatax": plain bad input must never produce them.
BUG_CODES = frozenset({"invariant", "no_applicable_rule"})
#: Scales every hostile test's number of examples (e.g. 0.1 for a quick local run, 10 for a long hunt).
SCALE = float(os.environ.get("HKVATAX_HOSTILE_SCALE", "1"))

# ------------------------------------------------------------------------------------------ known defects
#: Defect classes of issue 11 that the generators still find and that are being fixed on another branch.
#: This block is the ONLY place the hostile suite tolerates a defect. Each class has a strict-xfail
#: regression test in tests/hostile/test_known_defects.py; once the fix is merged that test passes, so
#: strict xfail fails it: then delete its mark there and its line here, which re-arms the generators.
OPEN_DEFECTS: dict[str, str] = {}
#: Cases that met an open defect, by class (printed with the count).
MET: dict[str, int] = {}


def tolerated(defect: str) -> bool:
    """True (and the case is tallied) if ``defect`` is an open class of :data:`OPEN_DEFECTS`."""
    if defect in OPEN_DEFECTS:
        MET[defect] = MET.get(defect, 0) + 1
        return True
    return False


settings.register_profile(
    "hostile", deadline=None, derandomize=True, database=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large,
                           HealthCheck.large_base_example],
)


def hostile_settings(name: str, examples: int) -> settings:
    """The ``hostile`` profile (derandomized: every CI run executes the same cases, so a failure is
    reproducible from the test's name alone) with ``examples`` examples, scaled by HKVATAX_HOSTILE_SCALE."""
    n = max(1, round(examples * SCALE))
    PLANNED[name] = n
    return settings(settings.get_profile("hostile"), max_examples=n)


def count(suite: str) -> None:
    COUNTER[suite] = COUNTER.get(suite, 0) + 1


class CaseTimeout(AssertionError):
    """A hostile case ran longer than :data:`CASE_SECONDS`: a hang or super-linear work."""


@contextmanager
def case(suite: str, seconds: int = CASE_SECONDS) -> Iterator[None]:
    """Count one case of ``suite`` and stop it with :class:`CaseTimeout` if it runs past ``seconds``."""
    count(suite)
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGALRM"):
        yield
        return

    def expired(signum: int, frame: FrameType | None) -> None:
        raise CaseTimeout(f"a {suite} case ran for more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def check_error(exc: HkvataxError) -> list[str]:
    """An error hkvatax raised on purpose: every problem has a registered code, none a bug code."""
    assert not isinstance(exc, InvariantError), f"plain bad input gave an internal error: {exc}"
    codes = [p.code for p in exc.problems]
    assert codes, f"{type(exc).__name__} without a problem: {exc}"
    assert all(c in ERROR_CODES for c in codes), codes
    assert not BUG_CODES & set(codes), f"plain bad input gave a bug code: {exc}"
    json.dumps(exc.to_dict())  # what the CLI and the service print must serialise
    return codes


def outcome_of(work: Callable[[], Any]) -> Any:
    """Run ``work``: its result, or None after checking the error it raised (any other exception fails)."""
    try:
        return work()
    except HkvataxError as exc:
        check_error(exc)
        return None


def record_spans(text: str) -> list[tuple[int, int]]:
    """The physical lines (first, last; 1-based) each CSV record of ``text`` spans, read independently of
    hkvatax's readers; stops at the first record Python's csv module cannot read."""
    reader = csv.reader(io.StringIO(text, newline=""))
    spans: list[tuple[int, int]] = []
    last = 0
    try:
        for _ in reader:
            spans.append((last + 1, reader.line_num))
            last = reader.line_num
    except csv.Error:
        pass
    return spans


def check_rows_accounted(result: Any, text: str, lines: list[int], *, tolerate: bool = True) -> None:
    """Every data line in ``lines`` of ``text`` (1-based physical lines the generator wrote, one record each) ends up
    used (an event, a movement, an internal move, part of another row's event) or in a problem or
    unsupported-row report naming it. A line that opens a quote it does not close (Python's csv would merge
    it with the lines up to the next closing quote) must itself be reported as a problem and never used, and
    every line after it is read as its own row (decision 0150; ``tolerate``:
    let an open defect class of :data:`OPEN_DEFECTS` pass, tallied)."""
    named = {r.source.row for r in result.rows} | {line for line, _ in result.also_used}
    named |= {m.source.row for m in result.movements} | {src.row for src, _ in result.internal}
    reported = {p.source.row for p in result.problems + result.unsupported}
    file_problems = any(p.source.row is None or p.code == "bad_file" for p in result.problems)
    if file_problems:  # the file as a whole was refused: no row can have been used silently
        assert not result.rows, "rows were used from a file that was refused"
        return
    spans = record_spans(text)
    wanted = set(lines)
    for first, last in spans:
        written = [line for line in range(first, last + 1) if line in wanted]
        if not written:
            continue
        covered = set(range(first, last + 1))
        if last > first:  # the generator writes no line break in a cell: line `first` opens a quote
            silent = first in named or first not in reported
            if silent and tolerate and tolerated("csv-unbalanced-quote"):
                continue
            assert not silent, f"line {first} opens a quote that runs over lines {first}-{last}: it was used or " \
                               "not reported"
            unread = [line for line in written if line not in named | reported]
            assert not unread, f"lines {unread} after a quote opened on line {first} were neither used nor reported"
        else:
            assert covered & (named | reported), f"line {written[0]} was neither used nor reported"
    bad_rows = [p for p in result.problems if p.code == "bad_row" and "rest of the file" in p.message]
    if not bad_rows:  # the reader read to the end: every written line lies in some record
        seen = {line for first, last in spans for line in range(first, last + 1)}
        assert wanted <= seen or not spans, f"lines {sorted(wanted - seen)} lie in no record"

