"""hkvatax — Hong Kong profits tax on virtual assets, explained rule by rule.

Data flows one way: input models → ledger and lot matching → classification → regime rules →
assessment → explanation and rendering (docs/architecture.md).
"""

from __future__ import annotations

from .bulk import assess_csv, compare_csv
from .compare import Comparison, compare
from .engine import Assessment, assess
from .errors import InputError
from .ledger import LedgerResult, match_scenario, run_ledger
from .periods import YearOfAssessment

__version__ = "0.1.0"

__all__ = ["assess", "Assessment", "assess_csv", "compare", "compare_csv", "Comparison", "InputError", "LedgerResult", "match_scenario", "run_ledger", "YearOfAssessment", "__version__"]
