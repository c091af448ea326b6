from pathlib import Path

from hkvatax.rules.catalogue import load_all_rules, render_rules_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def test_rules_md_is_current():
    assert DOC.read_text(encoding="utf-8") == render_rules_markdown(), (
        "docs/rules.md is stale: run `python -m hkvatax.rules.catalogue > docs/rules.md`")


def test_every_rule_has_citation_status_and_paraphrase():
    for rule in load_all_rules().values():
        assert rule.citations, rule.id
        assert rule.status in {"enacted", "proposed", "assumption"}, rule.id
        assert rule.law, f"{rule.id} has no 'Law:' paraphrase docstring"
