"""The 2026-12 law review: every rule cites what it rests on, every assumption has a decision record, and
docs/law-status.md lists every unsettled point (decision 0070)."""

from __future__ import annotations

import re
from pathlib import Path

from hkvatax.rules.catalogue import load_all_rules
from hkvatax.rules.law_status import POINTS, all_assumptions, render_law_status
from hkvatax.rules.params import default_params

ROOT = Path(__file__).resolve().parents[2]
DECISIONS = ROOT / "docs" / "decisions"
LAW_STATUS = ROOT / "docs" / "law-status.md"


def _decision_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(DECISIONS.glob("*.md")))


def test_law_status_md_is_current() -> None:
    assert LAW_STATUS.read_text(encoding="utf-8") == render_law_status(), (
        "docs/law-status.md is stale: run `python -m hkvatax.rules.law_status > docs/law-status.md`")


def test_every_rule_has_a_citation_with_a_provision() -> None:
    for r in load_all_rules().values():
        assert r.citations, f"{r.id} has no citation"
        for c in r.citations:
            assert c.instrument.strip(), f"{r.id}: a citation without an instrument"
            assert c.provision.strip(), f"{r.id}: citation {c} names no provision"


def test_every_assumption_has_a_decision_record() -> None:
    text = _decision_text()
    missing = [a for a in all_assumptions() if a not in text]
    assert not missing, f"assumptions with no record in docs/decisions/: {missing}"


def test_every_assumption_id_in_the_source_is_a_module_constant() -> None:
    src = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "src" / "hkvatax").rglob("*.py"))
    ids = set(re.findall(r'Assumption\(\s*"(A-[A-Z0-9-]+)"', src))
    assert ids <= set(all_assumptions()), ids - set(all_assumptions())


def test_assumed_rules_cite_a_decision_that_exists() -> None:
    numbers = {p.name[:4] for p in DECISIONS.glob("*.md")}
    for r in load_all_rules().values():
        if r.status != "assumption":
            continue
        cited = [c.provision for c in r.citations if c.instrument == "hkvatax decision"]
        assert cited, f"{r.id} is an assumption but cites no hkvatax decision"
        for provision in cited:
            number = re.search(r"(\d{4})", provision)
            assert number and number.group(1) in numbers, f"{r.id} cites a missing decision: {provision}"


def test_proposed_rules_cite_the_bill_with_its_source() -> None:
    for r in load_all_rules().values():
        if r.status == "proposed":
            bill = [c for c in r.citations if c.instrument.startswith("Inland Revenue (Amendment) (Preferential")]
            assert bill, f"{r.id} is proposed but does not cite the 2026 Bill"
            assert any("checked" in c.provision for c in bill), f"{r.id}: the Bill citation names no source/date"
            assert r.status_param == "extension.in_force", f"{r.id} does not follow the enactment switch"


def test_law_status_lists_every_unsettled_point() -> None:
    text = render_law_status()
    for r in load_all_rules().values():
        if r.status != "enacted":
            assert f"`{r.id}`" in text
    params = default_params()
    for path in params.paths():
        if any(e.status != "enacted" for e in params.entries(path)):
            assert f"`{path}`" in text
    for a in all_assumptions():
        assert f"`{a}`" in text
    assert all(p.source and p.confidence and p.library for p in POINTS)


def test_fixed_citations_from_the_review() -> None:
    rules = load_all_rules()

    def cites(rule_id: str) -> str:
        return " | ".join(str(c) for c in rules[rule_id].citations)

    for badge in ("class.badge.frequency", "class.badge.organisation", "class.badge.profit_motive"):
        assert "para 48(" not in cites(badge) and "para 48" in cites(badge)
    assert "para 48" not in cites("class.badge.holding_period")
    assert "Royal Commission" in cites("class.badge.holding_period")
    assert "Royal Commission" not in cites("class.badge.financing")
    for r in ("ledger.gains", "ledger.fragment"):
        assert "Appendix 5" in cites(r) and "48(c)" in cites(r)
    assert "s.15(1)(f)" in cites("ledger.income") and "s.15(1)(i)" in cites("ledger.income")
    assert "para 34" in cites("ufe.commencement")
    assert "Two-tiered Standard Rates" in cites("pt.reduction.one_off")
    assert "s.19C(1)" in cites("pt.losses.set_off.individual")
    assert "s.19C(4)" in cites("pt.losses.set_off.corporation")
    assert "s.19C(2)" in cites("pt.losses.set_off.partnership")
    toml = (ROOT / "src" / "hkvatax" / "params" / "profits_tax.toml").read_text(encoding="utf-8")
    assert "short title not verified" not in toml
    assert "Tax Concessions and Two-tiered Standard Rates) Ordinance 2024" in toml
