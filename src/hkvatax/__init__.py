"""hkvatax — Hong Kong profits tax on virtual assets, explained rule by rule.

Data flows one way: input models → ledger and lot matching → classification → regime rules →
assessment → explanation and rendering (docs/architecture.md).
"""

from __future__ import annotations

from .carry import YearState, close_csv, close_year, load_state
from .compare import Comparison, compare, compare_csv, compare_rows
from .engine import Assessment, assess, assess_csv, assess_rows, match_scenario
from .errors import ArgumentError, HkvataxError, InputError
from .ledger import LedgerResult, run_ledger
from .periods import YearOfAssessment
from .render import charts as _charts  # noqa: F401 - registers the assessment's chart view
from .render import frames as _frames  # noqa: F401 - registers the assessment's DataFrame view
from .render.html import register_notebook_formatters

register_notebook_formatters()  # in IPython: LedgerResult displays as HTML (the ledger knows no renderer)

__version__ = "0.1.0"

__all__ = ["close_year", "close_csv", "load_state", "YearState", "assess", "Assessment", "assess_csv", "assess_rows", "compare", "compare_csv", "compare_rows", "Comparison", "InputError", "ArgumentError", "HkvataxError", "LedgerResult", "match_scenario", "run_ledger", "YearOfAssessment", "__version__"]
