"""Many taxpayers in one job (extra ``dask``): a whole customer base, on a process pool or a Dask cluster.

    pip install "hkvatax[dask]"
    hkvatax batch events/ --customers customers.jsonl --out results/ [--scheduler tcp://host:8786]

Input: partitions (CSV or Parquet) of generic ledger rows with a taxpayer id column, in any
partitioning; a customers table (JSON lines, or CSV with dotted columns) of each taxpayer's profile.
Output: ``summary.parquet`` (one row per taxpayer, year and regime), ``errors.parquet`` (every problem of
every taxpayer that could not be assessed), per-bucket files (a rerun resumes), and explanations on
request. docs/batch.md; the plan for 500,000 customers: docs/scale.md.
"""

from __future__ import annotations

from .core import ERROR_COLUMNS, SUMMARY_COLUMNS, BatchOptions, assess_customer
from .runner import BatchReport, read_customers, run_batch

__all__ = ["BatchOptions", "BatchReport", "ERROR_COLUMNS", "SUMMARY_COLUMNS", "assess_customer", "read_customers",
           "run_batch"]
