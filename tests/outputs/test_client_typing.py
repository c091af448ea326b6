"""A client of the public API type-checks under ``mypy --strict``: no ``Any`` leaks into its code."""

from __future__ import annotations

from pathlib import Path

import pytest

api = pytest.importorskip("mypy.api")  # the 'ci' extra installs mypy

CLIENT = Path(__file__).parent / "data" / "client_typing.py"


def test_a_typical_client_passes_mypy_strict() -> None:
    out, err, status = api.run(["--strict", "--no-incremental", "--disallow-any-expr", "--follow-imports=silent",
                                str(CLIENT)])
    assert status == 0, out + err
