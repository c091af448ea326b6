"""The service's CPU work, run in a worker process: plain bytes in, an HTTP status and JSON bytes out.

Nothing here imports the web framework, opens a file or a socket: a job carries the request's bytes (a
JSON scenario, or a CSV ledger with its profile) and names (the upload's own filename, used in every
error's ``file`` field and in the trace), and returns ``(status, body)``. Every error hkvatax raises on
purpose becomes a problem list (422 for the input, 400 for an argument, 503 for the time limit); only a
bug (an unexpected exception) is a 500.
"""

from __future__ import annotations

import io
import json
import os
import signal
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import PurePath
from types import FrameType
from typing import Any

from ..errors import (
    ArgumentError,
    DataTableGapError,
    HkvataxError,
    InputError,
    InvariantError,
    Problem,
    SourceRef,
)

__all__ = ["Job", "Spooled", "run_job", "problem_body", "upload_name", "OPERATIONS", "SCHEMA_ASSESSMENT"]

OPERATIONS = ("assess", "compare", "disposals", "explain")
SCHEMA_ASSESSMENT = "hkvatax.assessment/1"
REQUEST_NAME = "<request>"


@dataclass(frozen=True)
class Job:
    """One request's work. ``ledger`` is None for a JSON scenario (``body``)."""

    operation: str
    body: bytes
    years: str | None = None
    regime: str = "baseline"
    extension_first_year: str = "2025/26"
    detail: str = "summary"
    ledger_name: str | None = None  # a CSV upload: the ledger is ``body``, the profile ``profile``
    profile: bytes | None = None
    profile_name: str = "profile.json"
    time_limit: float = 0.0  # seconds of work in the worker; 0: none
    extra: dict[str, Any] = field(default_factory=dict)


def upload_name(filename: str | None, default: str) -> str:
    """The name an upload is known by: its own file name without any directory, never a server path."""
    name = PurePath((filename or "").replace("\\", "/")).name.strip()
    return (name or default)[:200]


def problem_body(status: int, title: str, problems: list[dict[str, Any]]) -> bytes:
    return json.dumps({"status": status, "title": title, "problems": problems}, ensure_ascii=False).encode()


def _problem(code: str, message: str, *, column: str | None = None, file: str | None = None) -> dict[str, Any]:
    return Problem(code, message, SourceRef(file=file), column).to_dict()


class _TimeLimit(Exception):
    pass


@contextmanager
def _limit(seconds: float) -> Iterator[None]:
    """Interrupt the work after ``seconds`` (a timer signal in the worker's main thread; POSIX)."""
    if seconds <= 0 or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        raise _TimeLimit

    try:
        previous = signal.signal(signal.SIGALRM, expire)
    except ValueError:  # not the main thread (the service's in-process mode): no timer here
        yield
        return
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass(frozen=True)
class Spooled:
    """An answer too large to hand over in memory (``explain`` at ``detail="full"``): the JSON was written as
    a stream to the temporary file ``path``, which whoever sends it deletes."""

    path: str


def run_job(job: Job) -> tuple[int, bytes | Spooled]:
    """Do ``job``; ``(status, JSON body)`` — the body a :class:`Spooled` file for a full explanation. Safe to
    call in any process; keeps no state between jobs."""
    try:
        with _limit(job.time_limit):
            return 200, _OPERATIONS[job.operation](job)
    except _TimeLimit:
        return 503, problem_body(503, "Time limit", [_problem(
            "time_limit", f"the work took longer than the service's limit of {job.time_limit:g} s")])
    except InputError as exc:
        from ..engine import further_problems

        problems = [*exc.problems, *further_problems(exc)]
        return 422, problem_body(422, "Invalid input", [p.to_dict() for p in problems])
    except (ArgumentError, DataTableGapError) as exc:
        return 400, problem_body(400, "Invalid argument", _listed(exc, "invalid_argument"))
    except InvariantError:
        raise
    except HkvataxError as exc:  # a ledger that cannot be matched (oversell, LIFO, …): the input's problem
        return 422, problem_body(422, "Invalid input", _listed(exc, "invalid_field"))
    except (ValueError, RecursionError) as exc:
        # the engine's own refusals of a valid-looking input (e.g. detail="full" of aggregates only)
        return 422, problem_body(422, "Invalid input", [_problem("invalid_field", str(exc) or type(exc).__name__)])


def _listed(exc: HkvataxError, code: str) -> list[dict[str, Any]]:
    found = list(getattr(exc, "problems", ()) or ())
    if not found and isinstance(getattr(exc, "problem", None), Problem):
        found = [exc.problem]  # type: ignore[attr-defined]
    return [p.to_dict() for p in found] or [_problem(code, str(exc))]


# ------------------------------------------------------------------------------------ the operations
def _scenario(job: Job) -> Any:
    from ..io import load_csv_ledger, load_scenario

    if job.ledger_name is None:
        return load_scenario(REQUEST_NAME, content=job.body)
    return load_csv_ledger(None, _profile(job), text=_text(job), file=job.ledger_name)


def _text(job: Job) -> str:
    try:
        return job.body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError([Problem("bad_file", f"not UTF-8 text: {exc.reason} at byte {exc.start}",
                                  SourceRef(file=job.ledger_name))]) from None


def _profile(job: Job) -> dict[str, Any]:
    from ..io import load_profile

    assert job.profile is not None
    profile = load_profile(job.profile_name, content=job.profile)
    if "rates_file" in profile:
        raise InputError([Problem("unknown_field", "a profile sent to the service cannot name a rates_file (the "
                                  "service reads no file): give the rates inline as 'rates'",
                                  SourceRef(file=job.profile_name), "rates_file", "rates = [...] in the profile")])
    return profile


def _assessment(job: Job) -> Any:
    from ..engine import assess, assess_csv

    if job.ledger_name is not None:  # read in chunks; records, if asked for, made again as a stream
        return assess_csv(io.StringIO(_text(job)), _profile(job), job.years, regime=job.regime,
                          extension_first_year=job.extension_first_year, file=job.ledger_name)
    return assess(_scenario(job), job.years, regime=job.regime, extension_first_year=job.extension_first_year)


def _dump(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True).encode()


def assessment_document(outcome: Any) -> dict[str, Any]:
    """The service's assess answer: headline figures per year, with the assumptions they rest on."""
    from ..render.summary import year_summaries

    rows = year_summaries(outcome)
    used = {a for r in rows for a in r["assumptions"]}
    tp = outcome.scenario.taxpayer
    return {"schema": SCHEMA_ASSESSMENT, "taxpayer": tp.name, "taxpayer_kind": tp.kind, "regime": outcome.regime,
            "depends_on_proposed_law": any(r["depends_on_proposed_law"] for r in rows), "years": rows,
            "assumptions": {k: a.to_dict() for k, a in sorted(outcome.trace.assumptions.items()) if k in used}}


def _assess(job: Job) -> bytes:
    return _dump(assessment_document(_assessment(job)))


def _compare(job: Job) -> bytes:
    from ..compare import compare, compare_csv

    if job.ledger_name is not None:
        result = compare_csv(io.StringIO(_text(job)), _profile(job), job.years,
                             extension_first_year=job.extension_first_year, file=job.ledger_name)
    else:
        result = compare(_scenario(job), job.years, extension_first_year=job.extension_first_year)
    return _dump(result.to_dict())


def _disposals(job: Job) -> bytes:
    from ..engine import match_scenario
    from ..render.disposals import ledger_to_dict

    return _dump(ledger_to_dict(match_scenario(_scenario(job))))


def _explain(job: Job) -> bytes | Spooled:
    outcome = _assessment(job)
    if job.detail != "full":
        return _dump(outcome.explain(detail=job.detail).to_dict())
    # every disposal and fragment: written as a stream to a file the web process sends and deletes
    fd, path = tempfile.mkstemp(prefix="hkvatax-explain-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            outcome.write_json(fh, detail="full", indent=None)  # the same bytes as _dump(...to_dict())
    except BaseException:
        os.unlink(path)
        raise
    return Spooled(path)


_OPERATIONS: dict[str, Callable[[Job], bytes | Spooled]] = {
    "assess": _assess, "compare": _compare, "disposals": _disposals, "explain": _explain}
