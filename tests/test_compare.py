"""compare(): baseline against the proposed extension, from Python and from the command line."""

from decimal import Decimal

from hkvatax import compare
from hkvatax.cli import main
from hkvatax.examples import example_path
from hkvatax.io import load_scenario


def test_family_office_fails_240m_today_and_passes_with_virtual_assets():
    result = compare(load_scenario(example_path("family_office")))
    year = "2025/26"
    base = result.baseline[year].result
    ext = result.extension[year].result
    assert base is not None and ext is not None
    assert base.tax_payable > 0 and ext.tax_payable == 0
    conditions = {t: (b, e) for t, b, e in result.conditions(year)}
    assert conditions["Specified assets of at least HK$240 million managed by the ESFO"][0] == "failed"
    tax_diff = next(d for d in result.differences if d.figure == "tax_payable")
    assert "ext.applies" in tax_diff.causes and "fihv.min_assets" in tax_diff.causes
    assert result.extension.depends_on_proposed_law()


def test_private_fund_crypto_becomes_exempt_and_deemed_profits_rise():
    result = compare(load_scenario(example_path("private_fund")))
    year = "2025/26"
    base = result.baseline[year].result
    ext = result.extension[year].result
    assert base is not None and ext is not None
    assert ext.tax_payable <= base.tax_payable
    assert ext["exempt_profits"] > base["exempt_profits"]
    (who, before, after), = result.deemed(year)
    assert before == base["exempt_profits"] * Decimal("0.35")
    assert after == ext["exempt_profits"] * Decimal("0.35")


def test_extension_never_raises_tax_of_the_examples():
    for name in ("family_office", "private_fund", "corporation", "individual_trader"):
        result = compare(load_scenario(example_path(name)))
        for label, ya in result.baseline.years.items():
            for branch, b in ya.branches.items():
                e = result.extension.years[label].branches[branch]
                assert e.tax_payable <= b.tax_payable, (name, label, branch)


def test_cli_compare_and_json(capsys):
    assert main(["compare", str(example_path("private_fund")), "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert '"schema": "hkvatax.comparison/1"' in out
    assert main(["compare", str(example_path("family_office"))]) == 0
    assert "◀ changes" in capsys.readouterr().out
