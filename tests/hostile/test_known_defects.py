"""Known defects the hostile suite finds, open on other branches of issue 11 — THE LISTED BLOCK.

Each test is the smallest example of one class in tests/hostile/harness.py ``OPEN_DEFECTS`` and is marked
``xfail(strict=True)``: once the fixing branch is merged it passes, strict xfail turns that into a failure,
and the mark here and the class's line in ``OPEN_DEFECTS`` are deleted together (which re-arms the
generators that tolerate the class until then).

Open classes today: none. The last two ("csv-unbalanced-quote", "exponent-in-full") are fixed; their tests are
regression tests in tests/hostile/test_quotes_and_numbers.py.
"""

from __future__ import annotations

import pytest

from hkvatax.cli import main
from hkvatax.errors import InputError
from hkvatax.io import load_scenario


@pytest.mark.parametrize("zone", ["/etc/passwd"])
def test_a_default_zone_that_is_a_path_is_a_named_problem(zone: str, capsys: pytest.CaptureFixture[str]) -> None:
    from hkvatax.examples import example_path

    assert main(["assess", str(example_path("corporation")), "--default-tz", zone]) == 1
    with pytest.raises(InputError):
        load_scenario(example_path("corporation"), default_tz=zone)
