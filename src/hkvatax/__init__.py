"""hkvatax — Hong Kong profits tax on virtual assets, explained rule by rule.

Data flows one way: input models → ledger and lot matching → classification → regime rules →
assessment → explanation and rendering (docs/architecture.md).
"""

from __future__ import annotations

from .compare import Comparison, compare, compare_csv, compare_rows
from .engine import Assessment, assess, assess_csv, assess_rows, match_scenario
from .errors import InputError
from .ledger import LedgerResult, run_ledger
from .periods import YearOfAssessment

__version__ = "0.1.0"

__all__ = ["assess", "Assessment", "assess_csv", "assess_rows", "compare", "compare_csv", "compare_rows", "Comparison", "InputError", "LedgerResult", "match_scenario", "run_ledger", "YearOfAssessment", "__version__"]
