"""Known defects the hostile suite finds, open on other branches of issue 11 — THE LISTED BLOCK.

Each test is the smallest example of one class in tests/hostile/harness.py ``OPEN_DEFECTS`` and is marked
``xfail(strict=True)``: once the fixing branch is merged it passes, strict xfail turns that into a failure,
and the mark here and the class's line in ``OPEN_DEFECTS`` are deleted together (which re-arms the
generators that tolerate the class until then).
"""

from __future__ import annotations

import pytest

from hkvatax.cli import main
from hkvatax.errors import InputError
from hkvatax.io import load_scenario
from hkvatax.io.importers import import_file

from .harness import OPEN_DEFECTS, check_rows_accounted


@pytest.mark.xfail(strict=True, reason=OPEN_DEFECTS["csv-unbalanced-quote"])
def test_a_note_opening_with_a_quote_does_not_swallow_the_next_rows() -> None:
    text = ("timestamp,type,asset,quantity,fee,txid,note\n"
            '2023-10-03T09:30:00+00:00,receive,BTC,0.0995,,0xfeed,"from HashKey\n'
            "2023-10-20T00:00:00+00:00,staking,ETH,0.001,,,validator reward\n"
            '2023-11-01T00:00:00+00:00,send,BTC,0.05,,0xbeef,to cold"\n')
    result = import_file("wallet", text=text, file="w.csv")
    check_rows_accounted(result, text, [2, 3, 4], tolerate=False)


@pytest.mark.xfail(strict=True, reason=OPEN_DEFECTS["exponent-in-full"])
def test_an_importer_does_not_write_a_huge_exponent_out_in_full() -> None:
    text = "timestamp,type,asset,quantity,fee,txid,note\n2023-10-03T09:30:00+00:00,staking,BTC,1e-999999,,,\n"
    result = import_file("wallet", text=text, file="w.csv")
    assert all(len(v) <= 1000 for r in result.rows for _, v in r.cells)


@pytest.mark.parametrize("zone", ["/etc/passwd"])
def test_a_default_zone_that_is_a_path_is_a_named_problem(zone: str, capsys: pytest.CaptureFixture[str]) -> None:
    from hkvatax.examples import example_path

    assert main(["assess", str(example_path("corporation")), "--default-tz", zone]) == 1
    with pytest.raises(InputError):
        load_scenario(example_path("corporation"), default_tz=zone)
