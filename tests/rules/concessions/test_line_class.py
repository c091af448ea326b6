"""concessions.line_class: every branch's class, explanation (shown as the classify rule's explanation) and
whether the answer depends on the proposed extension."""

from __future__ import annotations

from typing import Any

import pytest
from conc_helpers import make_ctx, make_line

from hkvatax.rules.concessions import line_class

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
def test_each_line_falls_in_its_concession_class(spec: dict[str, Any], ext_on: bool, expected: tuple[str, str, bool]) -> None:
    line = make_line(make_ctx("2024/25"), "l", 1, **spec)
    assert line_class(line, ext_on) == expected


def test_incidental_receipts_leave_out_excluded_non_qualifying_dividends_and_outgoings() -> None:
    from decimal import Decimal as D

    from hkvatax.rules.concessions import incidental_receipts

    c = make_ctx("2024/25")
    lines = [make_line(c, "q", 1, receipts=100), make_line(c, "i", 1, kind="income", receipts=7),
             make_line(c, "x", 1, receipts=1000), make_line(c, "n", 1, receipts=2000),
             make_line(c, "d", 1, kind="income", income_type="dividend", receipts=3000),
             make_line(c, "o", -1, kind="outgoing", receipts=4000)]
    classes = {"q": "qualifying", "i": "incidental", "x": "excluded", "n": "non_qualifying", "d": "incidental",
               "o": "qualifying"}
    assert incidental_receipts(lines, classes) == (D(7), D(107))  # type: ignore[arg-type]


def test_extension_applies_records_its_facts() -> None:
    from hkvatax.rules.concessions import extension_applies

    c = make_ctx("2025/26", scenario="va_extension")
    f = extension_applies(c, True)
    n = c.tracer.nodes[f.id]
    assert [(x.name, x.value) for x in n.facts] == [("extension_requested", True), ("extension_first_year", "2025/26")]
    assert (f.value, n.explanation) == (True, "the extension is applied: 2025/26 is not before its first year 2025/26")
    c2 = make_ctx("2024/25", scenario="va_extension")
    f2 = extension_applies(c2, True)
    assert (f2.value, c2.tracer.nodes[f2.id].explanation) == (
        False, "the extension was asked for, but 2024/25 is before its first year 2025/26: the law in force applies")
    f3 = extension_applies(c2, False, key="off")
    assert (f3.value, c2.tracer.nodes[f3.id].explanation) == (
        False, "the extension was not asked for: the law in force applies")
