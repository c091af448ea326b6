"""hkvatax on one ledger, timing its steps (run as its own process by bench/run.py).

    python hk_run.py LEDGER.csv RESULT.json [--reference]

Steps: CSV → validated events → matching by FIFO and by weighted average (summary detail), then the
assessment with a summary explanation when ``hkvatax.assess`` exists (issue 3; skipped and reported as
such until it lands). ``--reference`` times the reference path (pydantic per row → run_ledger) instead.
"""

import json
import sys
import time

t_start = time.perf_counter()
from hkvatax.io.fastcsv import read_fast  # noqa: E402
from hkvatax.ledger.fast import fast_summary, summarise, summarise_csv  # noqa: E402
from hkvatax.models.taxpayers import LotMethod  # noqa: E402

path, result_path = sys.argv[1], sys.argv[2]
reference = "--reference" in sys.argv
t_import = time.perf_counter()
steps: dict[str, float] = {}
if reference:
    from hkvatax.io.loaders import read_csv_events
    from hkvatax.ledger import run_ledger

    t = time.perf_counter()
    events, problems = read_csv_events(path)
    assert not problems, problems[:5]
    steps["read_validate_s"] = time.perf_counter() - t
    summaries = {}
    for m in (LotMethod.FIFO, LotMethod.WEIGHTED_AVERAGE):
        t = time.perf_counter()
        summaries[m] = summarise(run_ledger(events, method_for=m), m)
        steps[f"match_{m.value}_s"] = time.perf_counter() - t
    route = "reference"
else:
    t = time.perf_counter()
    ledger = read_fast(path)
    steps["read_validate_s"] = time.perf_counter() - t
    if ledger is None:  # not supported by the fast reader: the whole reference path
        t = time.perf_counter()
        summaries = summarise_csv(path)
        steps["fallback_s"] = time.perf_counter() - t
        route = "fallback"
    else:
        summaries = {}
        for m in (LotMethod.FIFO, LotMethod.WEIGHTED_AVERAGE):
            t = time.perf_counter()
            summaries[m] = fast_summary(ledger, m)
            steps[f"match_{m.value}_s"] = time.perf_counter() - t
        route = "fast"
assess_note = "not timed: hkvatax.assess not available yet (issue 3)"
try:
    from hkvatax import assess  # type: ignore[attr-defined]
except ImportError:
    assess = None
if assess is not None:
    # Pluggable: the assessment API of issue 3. Until its signature is settled this call is attempted
    # with the summaries; a TypeError is reported rather than hidden.
    t = time.perf_counter()
    try:
        assess(summaries, detail="summary")
        steps["assess_s"] = time.perf_counter() - t
        assess_note = "timed"
    except TypeError as exc:
        assess_note = f"not timed: hkvatax.assess signature differs ({exc})"
t_end = time.perf_counter()
with open(result_path, "w", encoding="utf-8") as fh:
    json.dump({
        "route": route, "steps": steps, "compute_s": t_end - t_import, "import_s": t_import - t_start,
        "fifo_gain": str(summaries[LotMethod.FIFO].total_gain),
        "wa_gain": str(summaries[LotMethod.WEIGHTED_AVERAGE].total_gain),
        "events": summaries[LotMethod.FIFO].event_count, "assess": assess_note,
    }, fh)
