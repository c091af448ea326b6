"""FIHV condition rules other than ownership and the asset threshold (tests/mutation_guards/test_fihv_rules.py):
the ESFO, management in Hong Kong, business undertaking, substantial activities, the ESFO arranging, the
eligibility summary, line treatments and sums, and the regime's assembly — outcome, explanation and facts."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D
from typing import Any

import pytest
from conc_helpers import input_figure, make_ctx, make_line

from hkvatax.models.taxpayers import FamilyOffice
from hkvatax.money import exact_context
from hkvatax.rules.concessions import condition, extension_applies
from hkvatax.rules.fihv import (
    business_undertaking,
    classify,
    concessionary_profits,
    eligibility,
    esfo,
    esfo_arranges,
    fihv_regime,
    incidental_ratio,
    line_treatment,
    losses_ring_fenced,
    managed_in_hk,
    profits_by_class,
    substantial_activities,
)
from hkvatax.rules.registry import Figure, RuleContext
from hkvatax.trace import Node


def office(**fihv: Any) -> FamilyOffice:
    return FamilyOffice(name="FO", fihv=fihv)


def node(ctx: RuleContext, fig: Figure) -> Node:
    return ctx.tracer.nodes[fig.id]


def facts(n: Node) -> dict[str, Any]:
    return {f.name: f.value for f in n.facts}


def fixed(ctx: RuleContext, value: Any, label: str | None = None) -> Figure:
    return input_figure(ctx, label or f"given{len(ctx.tracer.nodes)}", value)


GOOD_ESFO = {"is_private_company": True, "normally_managed_or_controlled_in_hk": True,
             "family_ownership_percent": D(100), "services_to_family_percent": D(75)}


@pytest.mark.parametrize("kw,outcome,why", [
    (GOOD_ESFO, "met", "private company: met; managed in HK: met; family ownership: met; services (at least 75%): "
     "met (family members hold 100% (at least 95%))"),
    ({**GOOD_ESFO, "services_to_family_percent": D("74.99")}, "failed",
     "private company: met; managed in HK: met; family ownership: met; services (at least 75%): failed (family "
     "members hold 100% (at least 95%))"),
    ({**GOOD_ESFO, "is_private_company": False, "normally_managed_or_controlled_in_hk": None}, "failed",
     "private company: failed; managed in HK: unknown; family ownership: met; services (at least 75%): met (family "
     "members hold 100% (at least 95%))"),
    ({"is_private_company": True, "normally_managed_or_controlled_in_hk": False}, "failed",
     "private company: met; managed in HK: failed; family ownership: unknown; services (at least 75%): unknown "
     "(supply the esfo's family ownership)"),
    ({}, "unknown", "private company: unknown; managed in HK: unknown; family ownership: unknown; services (at "
     "least 75%): unknown (supply the esfo's family ownership)"),
    ({**GOOD_ESFO, "family_ownership_percent": D(80), "charity_ownership_percent": D(20)}, "met",
     "private company: met; managed in HK: met; family ownership: met; services (at least 75%): met (family 80% + "
     "charity 20%: unrelated persons hold at most 0% (not more than 5%))"),
])
def test_esfo(kw: dict[str, Any], outcome: str, why: str) -> None:
    c = make_ctx("2024/25")
    f = esfo(c, office(esfo=kw))
    n = node(c, f)
    assert (f.value, n.explanation) == (outcome, why)
    assert (n.label, n.unit) == ("fihv.esfo", "text")
    fs = facts(n)
    assert fs["esfo_is_private_company"] == kw.get("is_private_company")
    assert fs["esfo_normally_managed_or_controlled_in_hk"] == kw.get("normally_managed_or_controlled_in_hk")
    assert fs["esfo_family_ownership_percent"] == kw.get("family_ownership_percent")
    assert fs["esfo_services_to_family_percent"] == kw.get("services_to_family_percent")
    assert "A-FIHV-ESFO-SERVICES" in n.assumptions
    assert "fihv.esfo_services_safe_harbour" in [p.path for p in n.params]


@pytest.mark.parametrize("fn,field,label,texts", [
    (managed_in_hk, "normally_managed_or_controlled_in_hk", "fihv.managed_in_hk",
     {None: ("unknown", "supply normally_managed_or_controlled_in_hk"),
      True: ("met", "managed or controlled in Hong Kong"),
      False: ("failed", "not normally managed or controlled in Hong Kong")}),
    (business_undertaking, "business_undertaking_general_commercial", "fihv.business_undertaking",
     {None: ("unknown", "supply business_undertaking_general_commercial"),
      True: ("failed", "a business undertaking"), False: ("met", "not a business undertaking")}),
    (esfo_arranges, "transactions_arranged_by_esfo_in_hk", "fihv.esfo_arranges",
     {None: ("unknown", "supply transactions_arranged_by_esfo_in_hk"),
      True: ("met", "carried out or arranged in Hong Kong by the ESFO"),
      False: ("failed", "not carried out or arranged in Hong Kong by the ESFO")}),
])
def test_yes_no_conditions(fn: Any, field: str, label: str, texts: dict[bool | None, tuple[str, str]]) -> None:
    for value, expected in texts.items():
        c = make_ctx("2024/25")
        f = fn(c, office(**{field: value}))
        n = node(c, f)
        assert (f.value, n.explanation) == expected
        assert (n.label, n.unit, facts(n)) == (label, "text", {field: value})
        assert condition(c, f).missing == ((field,) if value is None else ())


@pytest.mark.parametrize("emp,opex,outcome,why", [
    (2, D(2_000_000), "met", "2 employees (at least 2): met; HK$2,000,000 expenditure (at least HK$2,000,000): met"),
    (1, D(2_000_000), "failed",
     "1 employees (at least 2): failed; HK$2,000,000 expenditure (at least HK$2,000,000): met"),
    (3, D(1_999_999), "failed",
     "3 employees (at least 2): met; HK$1,999,999 expenditure (at least HK$2,000,000): failed"),
    (None, None, "unknown",
     "None employees (at least 2): unknown; HK$None expenditure (at least HK$2,000,000): unknown"),
    (None, D(1), "failed", "None employees (at least 2): unknown; HK$1 expenditure (at least HK$2,000,000): failed"),
])
def test_substantial_activities(emp: int | None, opex: D | None, outcome: str, why: str) -> None:
    c = make_ctx("2024/25")
    f = substantial_activities(c, office(qualified_full_time_employees_in_hk=emp, operating_expenditure_in_hk_hkd=opex))
    n = node(c, f)
    assert (f.value, n.explanation) == (outcome, why)
    assert (n.label, n.unit) == ("fihv.substantial_activities", "text")
    assert facts(n) == {"qualified_full_time_employees_in_hk": emp, "operating_expenditure_in_hk_hkd": opex}
    assert [p.path for p in n.params] == ["fihv.min_employees", "fihv.min_opex"]


@pytest.mark.parametrize("values,eligible", [
    (["met", "met"], "yes"), (["met", "unknown"], "unknown"), (["unknown", "failed"], "no"),
    (["not_applicable", "met"], "yes"),
])
def test_eligibility(values: list[str], eligible: str) -> None:
    c = make_ctx("2024/25")
    f = eligibility(c, [fixed(c, v, f"c{i}") for i, v in enumerate(values)])
    n = node(c, f)
    assert (f.value, n.explanation) == (eligible, ", ".join(f"input[c{i}]: {v}" for i, v in enumerate(values)))
    assert (n.label, n.unit) == ("fihv.eligibility", "text")


def test_classify_and_ratio() -> None:
    c = make_ctx("2025/26", scenario="va_extension")
    ext = extension_applies(c, True)
    va = make_line(c, "va", 5, virtual_asset=True, receipts=95)
    st = make_line(c, "st", 1, kind="receipt", receipt_type="staking", virtual_asset=True, receipts=5)
    f = classify(c, va, ext)
    n = node(c, f)
    assert (f.value, n.explanation) == ("qualifying", "a transaction in a virtual asset, a qualifying asset under "
                                        "the extension")
    assert (n.label, n.unit, facts(n), n.assumptions) == ("fihv.transaction.classify", "text",
                                                          {"line": "va", "extension_class": "digital_assets"},
                                                          ("A-EXT-VA-DEFINITION",))
    sec = make_line(c, "sec", 5, sch16c_class="securities")
    assert node(c, classify(c, sec, ext, key="sec")).assumptions == ()
    g = classify(c, st, ext, key="st")
    assert node(c, g).assumptions == ("A-EXT-VA-DEFINITION", "A-CONC-INCIDENTAL-LINES")
    r = incidental_ratio(c, [va, st], [f, g])
    rn = node(c, r)
    assert (r.value, rn.explanation) == (D("0.05"), "A = HK$5 ÷ B = HK$100")
    assert (rn.label, rn.unit, rn.assumptions) == ("fihv.incidental.ratio", "ratio", ("A-CONC-TRADING-RECEIPTS",))
    assert facts(rn) == {"incidental_trading_receipts_A": D(5), "qualifying_and_incidental_trading_receipts_B": D(100)}
    c0 = make_ctx("2024/25")
    nq = make_line(c0, "nq", 5, virtual_asset=True)
    z = incidental_ratio(c0, [nq], [classify(c0, nq, None)])
    assert (z.value, node(c0, z).explanation) == (D(0), "A = HK$0 ÷ B = HK$0")
    assert node(c0, classify(c0, nq, None, key="again")).assumptions == ()


@pytest.mark.parametrize("spec,cls,elig,incidental,treatment,why", [
    ({}, "excluded", "yes", "met", "excluded", "outside the charge (capital or offshore)"),
    ({"kind": "income", "income_type": "dividend"}, "incidental", "yes", "met", "excluded",
     "a dividend: not chargeable (s.26(a))"),
    ({}, "qualifying", "no", "met", "assessable", "not an eligible FIHV: normal rates"),
    ({}, "qualifying", "unknown", "met", "assessable",
     "eligibility unknown: normal rates until the missing facts are supplied"),
    ({}, "qualifying", "yes", "failed", "zero_rate", "a qualifying transaction of an eligible FIHV: 0%"),
    ({}, "incidental", "yes", "failed", "assessable", "incidental, but incidental receipts exceed 5%: normal rates"),
    ({}, "incidental", "yes", "not_applicable", "zero_rate", "an incidental transaction of an eligible FIHV: 0%"),
    ({}, "non_qualifying", "yes", "met", "assessable", "a non-qualifying transaction: normal rates"),
])
def test_line_treatment(spec: dict[str, Any], cls: str, elig: str, incidental: str, treatment: str,
                        why: str) -> None:
    c = make_ctx("2024/25")
    ln = make_line(c, "l", 7, **spec)
    f = line_treatment(c, ln, fixed(c, cls), fixed(c, elig), fixed(c, incidental))
    n = node(c, f)
    assert (f.value, n.explanation) == (treatment, why)
    assert (n.label, n.unit) == ("fihv.line.treatment", "text") and ln.figure.id in n.inputs
    assert n.assumptions == (("A-CONC-DIVIDENDS",) if spec.get("income_type") == "dividend" else ())


def test_sums() -> None:
    c = make_ctx("2024/25")
    lines = [make_line(c, "a", 10), make_line(c, "b", -4), make_line(c, "c", -3)]
    treats = [fixed(c, t) for t in ("zero_rate", "zero_rate", "assessable")]
    z = concessionary_profits(c, lines, treats)
    assert (z.value, node(c, z).explanation, node(c, z).label) == (D(6), "sum of the lines charged at 0%",
                                                                   "fihv.concessionary_profits")
    assert lines[2].figure.id not in node(c, z).inputs and node(c, z).inputs[-2:] == (lines[0].figure.id,
                                                                                       lines[1].figure.id)
    lo = losses_ring_fenced(c, lines, treats)
    n = node(c, lo)
    assert (lo.value, n.explanation, n.label, n.assumptions, n.status) == (
        D(4), "losses on 0%-rate lines: not available against normal-rate profits", "fihv.losses.ring_fenced",
        ("A-FIHV-LOSSES",), "assumption")
    assert n.inputs[-1] == lines[1].figure.id and lines[0].figure.id not in n.inputs
    p = profits_by_class(c, lines, [fixed(c, x) for x in ("non_qualifying", "qualifying", "non_qualifying")],
                         "non_qualifying")
    assert (p.value, node(c, p).explanation, node(c, p).label) == (D(7), "sum of the non-qualifying lines",
                                                                   "fihv.profits.non_qualifying")


GOOD = {"family_ownership_percent": D(100), "normally_managed_or_controlled_in_hk": True,
        "business_undertaking_general_commercial": False, "specified_assets_value_hkd": D(240_000_000),
        "qualified_full_time_employees_in_hk": 2, "operating_expenditure_in_hk_hkd": D(2_000_000),
        "transactions_arranged_by_esfo_in_hk": True, "election_made": True, "esfo": GOOD_ESFO}


def test_regime_assembly() -> None:
    c = make_ctx("2024/25")
    lines = [make_line(c, "q", 100, sch16c_class="securities"), make_line(c, "n", 30, virtual_asset=True)]
    fo = office(**GOOD, fspes=[{"name": "S1", "fihv_interest_percent": D(60),
                                "holds_only_investee_private_companies": True}])
    r = fihv_regime(c, fo, lines, extension=False)
    assert (r.regime, r.eligible) == ("fihv", "yes")
    assert [x.id for x in r.conditions] == [
        "fihv.election", "fihv.ownership", "fihv.esfo", "fihv.managed_in_hk", "fihv.business_undertaking",
        "fihv.min_assets", "fihv.substantial_activities", "fihv.esfo_arranges", "fihv.incidental.five_percent"]
    assert r.treatments == {"q": "zero_rate", "n": "assessable"}
    assert r.exempt_total is not None and r.exempt_total.value == D(100)
    with exact_context():
        share = D(30) / D(130)
    assert {k: v.value for k, v in r.extra.items()} == {
        "eligibility": "yes", "incidental_ratio": D(0), "incidental_test": "met", "losses_ring_fenced": D(0),
        "profits.qualifying": D(100), "profits.incidental": D(0), "profits.non_qualifying": D(30),
        "profits.excluded": D(0), "outgoings_assessable_share": share, "fspe_zero_rate_share[S1]": D("0.6")}
    assert r.notes == ("FSPEs are separate taxpayers: their 0% share is given in extra['fspe_zero_rate_share[...]']",)


def test_regime_extension_and_unknown() -> None:
    c = make_ctx("2025/26", scenario="va_extension")
    lines = [make_line(c, "va", 100, virtual_asset=True)]
    fo = office(**{**GOOD, "specified_assets_value_hkd": D(1), "election_made": None})
    r = fihv_regime(c, fo, lines, extension=True)
    assert r.eligible == "unknown" and r.treatments == {"va": "assessable"}
    assert "ext.fihv.min_assets" in [x.id for x in r.conditions]
    assert "fihv.incidental.five_percent" not in [x.id for x in r.conditions]
    assert r.extra["extension"].value is True and r.extra["incidental_test"].value == "not_applicable"
    assert r.extra["extension"].id == "va_extension/2025/26/ext.applies[fihv]"
    assert r.extra["incidental_test"].id == "va_extension/2025/26/ext.incidental.abolished.fihv"
    ext_cond = next(x for x in r.conditions if x.id == "ext.fihv.min_assets")
    assert r.extra["extension"].id in c.tracer.nodes[ext_cond.figure.id].inputs
    assert "outgoings_assessable_share" not in r.extra
    assert r.notes == ("eligibility unknown: every line is charged at the normal rates until these facts are "
                       "supplied: election_made, virtual_assets_value_hkd",)
    c2 = make_ctx("2025/26", scenario="va_extension")
    r2 = fihv_regime(c2, office(**GOOD), [make_line(c2, "va", 100, virtual_asset=True)], extension=True)
    assert r2.eligible == "yes" and r2.treatments == {"va": "zero_rate"} and r2.notes == ()
    c3 = make_ctx("2021/22")
    r3 = fihv_regime(c3, office(**GOOD), [make_line(c3, "a", 1), make_line(c3, "b", 1, offshore=True)],
                     extension=False)
    assert (r3.eligible, r3.treatments, r3.notes) == ("no", {"a": "assessable", "b": "excluded"},
                                                      ("the FIHV regime applies from 2022/23",))
    assert [x.id for x in r3.conditions] == ["fihv.commencement"]
    c4 = make_ctx("2024/25")
    with pytest.raises(ValueError, match="distinct keys"):
        fihv_regime(c4, office(**GOOD), [make_line(c4, "a", 1), replace(make_line(c4, "b", 1), key="a")],
                    extension=False)

    c5 = make_ctx("2025/26", scenario="va_extension", settings={"extension_first_year": "2026/27"})
    r5 = fihv_regime(c5, office(**GOOD), [make_line(c5, "va", 1, virtual_asset=True)], extension=True)
    ids = [x.id for x in r5.conditions]
    assert "fihv.min_assets" in ids and "ext.fihv.min_assets" not in ids and "fihv.incidental.five_percent" in ids
    assert r5.extra["extension"].value is False and r5.treatments == {"va": "assessable"}
