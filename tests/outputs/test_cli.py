"""The command line: no traceback for any argument, documented exit codes, pure JSON, --out and CSV everywhere."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from hkvatax import __version__
from hkvatax.cli import EXIT_INPUT, EXIT_OK, EXIT_USAGE, main
from hkvatax.examples import example_path

FUND = str(example_path("private_fund"))
DEMO = str(example_path("ledger_demo"))
DATA = Path(__file__).resolve().parents[1] / "data" / "importers"

BAD_ARGUMENTS = [
    ["assess", FUND, "--year", "25/26"],
    ["assess", FUND, "--year", "2025/27"],
    ["assess", FUND, "--year", "2025/26..foo"],
    ["assess", FUND, "--extension-first-year", "foo"],
    ["compare", FUND, "--extension-first-year", "foo"],
    ["report", FUND, "--year", "x"],
    ["assess", FUND, "--regime", "foo"],
    ["assess", FUND, "--detail", "everything"],
    ["assess", FUND, "--jobs", "2"],  # the two-process mode is gone (issue 15): an unknown option
    ["assess", FUND, "--format", "pdf"],
    ["disposals", FUND, "--format", "xml"],
    ["schema", "--which", "nothing"],
    ["import", "--source", "nonsense"],
    ["import", "kraken"],
    ["import", "binance", FUND, "--fee-tolerance", "lots"],
    ["nosuchcommand"],
    [],
    ["assess"],
    ["assess", FUND, "--no-such-option"],
]
BAD_INPUT = [
    ["assess", "/nonexistent/scenario.json"],
    ["compare", "/nonexistent/scenario.json"],
    ["disposals", "/nonexistent/ledger.csv", "--profile", "/nonexistent/p.toml"],
    ["report", "/nonexistent/scenario.json", "--out", "/nonexistent-dir/r.html"],
    ["import", "kraken", str(DATA / "binance_trades.csv")],
    ["import", "mtgox", FUND],  # an unknown format is a problem of that source (docs/importers.md)
    ["assess", str(Path(__file__))],  # not JSON
    ["assess", "/"],  # a directory
    ["assess", FUND, "--params", "/nonexistent/params.toml"],
    ["compare", FUND, "--params", str(Path(__file__))],  # not TOML
]


@pytest.mark.parametrize("argv", BAD_ARGUMENTS, ids=" ".join)
def test_bad_arguments_exit_2_with_a_message_and_no_traceback(argv: list[str],
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == EXIT_USAGE
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and err.startswith("hkvatax")


@pytest.mark.parametrize("argv", BAD_INPUT, ids=" ".join)
def test_bad_input_exits_1_and_json_errors_are_pure_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == EXIT_INPUT
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and ("problem" in err or "] " in err)
    fmt = ["--format", "csv" if argv[0] == "import" else "json"]
    assert main([*argv, *fmt]) == EXIT_INPUT
    out, err = capsys.readouterr()
    if argv[0] != "import":
        doc = json.loads(out)
        assert doc["exit_code"] == EXIT_INPUT and doc["problems"][0]["code"]


@pytest.mark.parametrize("argv", [a for a in BAD_ARGUMENTS if a and a[0] in {"assess", "compare"} and "--format" not in a])
def test_usage_errors_are_json_too_when_json_is_asked_for(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*argv, "--format", "json"]) == EXIT_USAGE
    doc = json.loads(capsys.readouterr().out)
    assert doc["code"] == "invalid_argument" and doc["exit_code"] == EXIT_USAGE


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == EXIT_OK
    assert capsys.readouterr().out.strip() == f"hkvatax {__version__}"


@pytest.mark.parametrize("argv", [
    ["assess", FUND], ["compare", FUND], ["disposals", DEMO], ["demo"], ["schema"],
    ["import", "binance", str(DATA / "binance_trades.csv")],
])
def test_every_subcommand_writes_json_and_csv_to_out(argv: list[str], tmp_path: Path) -> None:
    for fmt in ("json", "csv"):
        if argv[0] == "schema" and fmt == "csv":
            continue
        out = tmp_path / f"out.{fmt}"
        assert main([*argv, "--format", fmt, "--out", str(out), "--quiet"]) == EXIT_OK
        text = out.read_text(encoding="utf-8")
        if fmt == "json":
            json.loads(text)
        else:
            rows = list(csv.reader(io.StringIO(text)))
            assert len(rows) > 1 and len({len(r) for r in rows}) == 1


def test_demo_json_is_one_json_document(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--format", "json"]) == EXIT_OK
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == "hkvatax.demo/1" and len(doc["examples"]) == 5


def test_assess_csv_figures_are_to_the_cent(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["assess", FUND, "--format", "csv"]) == EXIT_OK
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows and all(len(r["hkd"].split(".")[1]) == 2 for r in rows)
    assert any(r["figure"] == "tax_payable" for r in rows)


def test_progress_is_silent_off_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["assess", FUND]) == EXIT_OK
    assert capsys.readouterr().err == ""


def _on_a_terminal(*argv: str) -> bytes:
    """Run the CLI with a pseudo-terminal as its standard error and return what it wrote there."""
    import os
    import pty
    import select
    import sys

    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.execv(sys.executable, [sys.executable, "-m", "hkvatax.cli", *argv])
    out = b""
    while select.select([fd], [], [], 30)[0]:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.waitpid(pid, 0)
    return out


def test_progress_shows_stages_on_a_terminal_and_quiet_turns_it_off(tmp_path: Path) -> None:
    pytest.importorskip("tqdm")  # the 'progress' extra
    out = str(tmp_path / "o.txt")
    shown = _on_a_terminal("assess", FUND, "--detail", "full", "--out", out)
    assert b"reading" in shown and b"assessing" in shown and b"3/3" not in shown.split(b"\r")[-1]
    assert _on_a_terminal("assess", FUND, "--out", out, "--quiet") == b""


def test_assess_full_json_to_a_file_is_the_explanations_json(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """``--detail full --format json --out FILE`` writes the explanation as a stream: the same text."""
    import hkvatax
    from hkvatax.io import load_scenario

    out = tmp_path / "full.json"
    assert main(["assess", DEMO, "--detail", "full", "--format", "json", "--out", str(out), "--quiet"]) == EXIT_OK
    expected = hkvatax.assess(load_scenario(DEMO)).explain(detail="full").to_json()
    assert out.read_text(encoding="utf-8") == expected
    assert main(["assess", DEMO, "--detail", "full", "--format", "json", "--quiet"]) == EXIT_OK
    assert capsys.readouterr().out == expected
