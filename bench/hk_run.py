"""hkvatax on one ledger, timing its steps (run as its own process by bench/run.py).

    python hk_run.py LEDGER.csv RESULT.json [--reference | --fifo-job] [--one-process]

Steps: CSV → validated events → matching by FIFO and by weighted average (one pass for both on the fast
path) → assessment of a corporation
(every year of assessment, profits tax baseline) with a summary explanation rendered as text, for each
method. ``--reference`` times the reference path (one pydantic model per row → run_ledger → aggregates)
instead of the fast path; ``--fifo-job`` times the job RP2 does (read, FIFO only, assessment) on one process.
The fast path is the one core (:func:`hkvatax.engine.ledger_csv`: read in chunks, validated column by
column, matched as read), once per cost formula, in this one process (``--one-process`` is accepted for
old command lines; the core has no two-process mode).
"""

import json
import resource
import sys
import time

t_start = time.perf_counter()
from hkvatax.engine import assess  # noqa: E402
from hkvatax.ledger.aggregate import aggregate  # noqa: E402
from hkvatax.models import Scenario  # noqa: E402
from hkvatax.models.taxpayers import LotMethod  # noqa: E402

path, result_path = sys.argv[1], sys.argv[2]
reference = "--reference" in sys.argv
fifo_job = "--fifo-job" in sys.argv
processes = 1
t_import = time.perf_counter()
steps: dict[str, float] = {}
aggs = {}
if reference:
    from hkvatax.io.loaders import read_csv_events
    from hkvatax.ledger import run_ledger

    t = time.perf_counter()
    events, problems = read_csv_events(path)
    assert not problems, problems[:5]
    steps["read_validate_s"] = time.perf_counter() - t
    for m in (LotMethod.FIFO, LotMethod.WEIGHTED_AVERAGE):
        t = time.perf_counter()
        aggs[m] = aggregate(run_ledger(events, method_for=m))
        steps[f"match_{m.value}_s"] = time.perf_counter() - t
    steps["match_both_s"] = steps["match_fifo_s"] + steps["match_weighted_average_s"]
    route = "reference"
else:
    from hkvatax.engine import ledger_csv

    def _read_match(method: LotMethod) -> object:
        profile = {"taxpayer": {"kind": "corporation", "name": "Benchmark Ltd",
                                "methods": [{"method": method.value, "from_year": "2018/19"}]}}
        _, matched = ledger_csv(path, profile)  # the one core: read in chunks, validated column-wise, matched
        return next(iter(matched.by_basis.values()))

    methods = (LotMethod.FIFO,) if fifo_job else (LotMethod.FIFO, LotMethod.WEIGHTED_AVERAGE)
    t = time.perf_counter()
    for m in methods:
        aggs[m] = _read_match(m)
    steps["read_match_fifo_s" if fifo_job else "read_match_both_s"] = time.perf_counter() - t
    route = "fast"
from hkvatax.money import exact_context  # noqa: E402

gains = {}
tax = {}
for m, agg in aggs.items():
    t = time.perf_counter()
    scenario = Scenario.model_validate({"taxpayer": {"kind": "corporation", "name": "Benchmark Ltd",
                                                     "methods": [{"method": m.value, "from_year": "2018/19"}],
                                                     "two_tier": {"has_connected_entities": False}}})
    outcome = assess(scenario, aggregates=agg)
    text = outcome.explain(detail="summary").to_text()
    assert "Tax payable" in text
    steps[f"assess_explain_{m.value}_s"] = time.perf_counter() - t
    with exact_context():
        gains[m] = sum((g.total for g in agg.disposals.values()), start=0)
        tax[m] = sum((ya.tax_payable or 0 for ya in outcome.years.values()), start=0)
if reference:
    steps["fifo_job_s"] = steps["read_validate_s"] + steps["match_fifo_s"] + steps["assess_explain_fifo_s"]
if fifo_job:
    # the same job as RP2's (FIFO only), for the compute-step comparison: our reading included, RP2's excluded
    steps["fifo_job_s"] = steps["read_match_fifo_s"] + steps["assess_explain_fifo_s"]
t_end = time.perf_counter()
with open(result_path, "w", encoding="utf-8") as fh:
    json.dump({
        "route": route, "steps": steps, "compute_s": t_end - t_import, "import_s": t_import - t_start,
        "fifo_gain": str(gains[LotMethod.FIFO]), "wa_gain": str(gains.get(LotMethod.WEIGHTED_AVERAGE, "")),
        "fifo_tax": str(tax[LotMethod.FIFO]), "events": aggs[LotMethod.FIFO].event_count, "assess": "timed",
        "processes": processes,
        "rss_self_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_children_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }, fh)
