"""Every concession rule is documented, cited, and the extension's rules are marked proposed."""

from __future__ import annotations

from pathlib import Path

import hkvatax.rules.fihv  # noqa: F401 - registers the rules
import hkvatax.rules.ufe  # noqa: F401
from hkvatax.rules.registry import RULES

DOC = Path(__file__).parents[3] / "docs" / "concessions.md"
MODULES = ("hkvatax.rules.ufe", "hkvatax.rules.fihv", "hkvatax.rules.concessions")


def test_every_rule_is_in_docs_concessions() -> None:
    text = DOC.read_text(encoding="utf-8")
    rules = [r for r in RULES.values() if r.module in MODULES]
    assert len(rules) > 40
    for r in rules:
        assert f"`{r.id}`" in text, r.id
        assert r.law, f"{r.id} has no docstring stating the law"


def test_extension_rules_are_proposed_and_cite_the_bill() -> None:
    for r in RULES.values():
        if r.module in MODULES and r.id.startswith("ext."):
            assert r.status == "proposed", r.id
            assert any("Bill 2026" in c.instrument for c in r.citations), r.id
