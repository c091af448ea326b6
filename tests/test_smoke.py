from hkvatax.cli import main


def test_demo_runs(capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    for name in ("individual_investor", "individual_trader", "corporation"):
        assert name in out
    assert "Tax payable" in out
