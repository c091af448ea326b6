"""Input and output: scenario files, CSV ledgers, exchange importers. No network, no eval, no pickle."""

from .loaders import (
    COLUMNS_BY_KIND,
    CSV_COLUMNS,
    load_any,
    load_csv_ledger,
    load_profile,
    load_scenario,
    read_csv_events,
    read_rates_csv,
    resolve_timezone,
    scenario_from_dict,
)
from .params_file import load_params
from .prices import CONVENTIONS, convention_rates, read_price_file
from .safe_csv import safe_cell, write_csv
from .sources import ImportBook, Source, import_sources, read_answers

__all__ = [
    "COLUMNS_BY_KIND", "CSV_COLUMNS", "load_any", "load_csv_ledger", "load_profile", "load_scenario",
    "read_csv_events", "read_rates_csv", "resolve_timezone", "scenario_from_dict", "safe_cell", "write_csv",
    "CONVENTIONS", "convention_rates", "read_price_file", "ImportBook", "Source", "import_sources", "read_answers",
    "load_params",
]
