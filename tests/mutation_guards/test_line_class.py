"""concessions.line_class: every branch's class, explanation (shown as the classify rule's explanation) and
whether the answer depends on the proposed extension."""

from __future__ import annotations

from typing import Any

import pytest

from hkvatax.rules.concessions import line_class

from ..rules.concessions.conc_helpers import make_ctx, make_line

VA_NOTE = "a transaction in a virtual asset, which is not a Sch. 16C class under the law in force"


@pytest.mark.parametrize("spec,ext_on,expected", [
    ({"character": "capital"}, False,
     ("excluded", "a capital disposal: outside the charge to profits tax and outside the 5% ratio", False)),
    ({"character": "capital", "offshore": True, "virtual_asset": True}, True,
     ("excluded", "a capital disposal: outside the charge to profits tax and outside the 5% ratio", False)),
    ({"offshore": True, "kind": "income"}, True,
     ("excluded", "a offshore income: outside the charge to profits tax and outside the 5% ratio", False)),
    ({"sch16c_class": "securities", "virtual_asset": True}, True,
     ("qualifying", "a transaction in a Sch. 16C asset (securities)", False)),
    ({"virtual_asset": True}, True,
     ("qualifying", "a transaction in a virtual asset, a qualifying asset under the extension", True)),
    ({"virtual_asset": True}, False, ("non_qualifying", VA_NOTE, False)),
    ({}, True, ("non_qualifying", "a transaction in an asset outside Sch. 16C", False)),
    ({"kind": "income", "income_type": "interest", "sch16c_class": "securities"}, False,
     ("incidental", "interest arising on a qualifying asset, incidental to qualifying transactions", False)),
    ({"kind": "income", "income_type": "dividend", "virtual_asset": True}, True,
     ("incidental", "dividend arising on a qualifying asset, incidental to qualifying transactions", True)),
    ({"kind": "income", "income_type": "interest", "virtual_asset": True}, False,
     ("non_qualifying", "interest income not arising on a qualifying asset", False)),
    ({"kind": "income", "income_type": "other", "sch16c_class": "securities", "virtual_asset": True}, True,
     ("non_qualifying", "other income not arising on a qualifying asset", True)),
    ({"kind": "income"}, True, ("non_qualifying", "other income not arising on a qualifying asset", False)),
    ({"kind": "receipt", "receipt_type": "staking", "virtual_asset": True}, True,
     ("incidental", "staking rewards on a qualifying asset, treated like interest on it", True)),
    ({"kind": "receipt", "receipt_type": "lending_interest", "sch16c_class": "securities"}, False,
     ("incidental", "lending_interest rewards on a qualifying asset, treated like interest on it", False)),
    ({"kind": "receipt", "receipt_type": "staking", "virtual_asset": True}, False,
     ("non_qualifying", "a staking receipt, not a transaction in or incidental to a qualifying asset", False)),
    ({"kind": "receipt", "receipt_type": "mining", "virtual_asset": True}, True,
     ("non_qualifying", "a mining receipt, not a transaction in or incidental to a qualifying asset", True)),
    ({"kind": "receipt"}, False,
     ("non_qualifying", "a token receipt, not a transaction in or incidental to a qualifying asset", False)),
    ({"kind": "outgoing", "asset": "BTC", "virtual_asset": True}, True,
     ("qualifying", "an outgoing on BTC, a qualifying asset", True)),
    ({"kind": "outgoing", "asset": "HSBC", "sch16c_class": "securities"}, False,
     ("qualifying", "an outgoing on HSBC, a qualifying asset", False)),
    ({"kind": "outgoing", "asset": None, "virtual_asset": True, "sch16c_class": "securities"}, True,
     ("non_qualifying", "an outgoing not tied to an asset: left with the chargeable profits (its deductible share "
      "is the engine's s.16/s.17 question)", False)),
    ({"kind": "outgoing", "asset": "BTC", "virtual_asset": True}, False,
     ("non_qualifying", "an outgoing on BTC, not a qualifying asset", False)),
    ({"kind": "outgoing", "asset": "GOLD"}, True, ("non_qualifying", "an outgoing on GOLD, not a qualifying asset", False)),
])
def test_line_class(spec: dict[str, Any], ext_on: bool, expected: tuple[str, str, bool]) -> None:
    line = make_line(make_ctx("2024/25"), "l", 1, **spec)
    assert line_class(line, ext_on) == expected
