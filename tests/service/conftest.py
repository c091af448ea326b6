"""Shared pieces of the service tests: a generated CSV ledger and its profile."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import generate  # noqa: E402

PROFILE = {"taxpayer": {"kind": "corporation", "name": "Upload Ltd",
                        "methods": [{"method": "fifo", "from_year": "2018/19"}]}}


def ledger_text(rows: int, seed: int = 3) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(generate.HEADER)
    writer.writerows(generate.hkvatax_rows(generate.generate(rows, seed=seed)))
    return out.getvalue()


@pytest.fixture(scope="session")
def ledger() -> str:
    return ledger_text(1_500)


@pytest.fixture(scope="session")
def profile() -> str:
    return json.dumps(PROFILE)
