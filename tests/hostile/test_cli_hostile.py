"""The command line under hostile arguments and files, run in-process (``hkvatax.cli.main``; a subprocess per
case would cost a Python start-up each).

Each case is a command (assess, compare, disposals, report, import, schema) with a drawn file (a shipped
example, a damaged scenario, a CSV ledger with or without its profile, an exchange export, a missing or
unreadable path) and drawn options (years and ranges, zones, formats, detail levels, regimes, unknown
options). It must end in exit 0, 1 (input problems) or 2 (usage), never 3 (an internal error: what a
traceback becomes) and never an exception out of ``main``; a failure names registered codes, in text
(``[code]``) and, with ``--format json``, in the error document.
"""

from __future__ import annotations

import contextlib
import io
import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hkvatax.cli import _wants_json, main
from hkvatax.errors import ERROR_CODES
from hkvatax.examples import example_names, example_path

from .harness import BUG_CODES, case, hostile_settings, tolerated
from .test_hostile_inputs import DATA, FILES

YEARS = ["2025/26", "2023/24..2025/26", "2025/27", "x", "", "2026/25..2023/24", "2025", "25/26", "1900/01",
         "9999/00", "2025/26..", "..2025/26", "2023/24..2025/26..2027/28", "２０２５/２６", "2025/26\x00"]
ZONES = ["Asia/Hong_Kong", "UTC", "/etc/passwd", "../../etc/localtime", "x" * 300, "", "Etc/GMT+12",
         "Asia/Hong Kong", "\x1b]0;title\x07", "NaN"]

HOURS = ["72", "0", "-1", "nan", "inf", "1e309", "x", "87600", "87601"]
TOLERANCES = ["0.02", "0", "-1", "NaN", "sNaN", "Infinity", "1e999999", "x", "1E-9999999999"]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("cli-hostile")
    out: dict[str, str] = {name: str(example_path(name)) for name in example_names()}
    demo = json.loads(example_path("ledger_demo").read_text(encoding="utf-8"))
    damaged = {
        "no-kind": {**demo, "taxpayer": {k: v for k, v in demo["taxpayer"].items() if k != "kind"}},
        "float-money": {**demo, "events": [{**demo["events"][0], "quantity": 1.5}]},
        "dup-ids": {**demo, "events": [demo["events"][0], demo["events"][0]]},
        "not-an-object": [demo],
        "empty": {},
    }
    for name, doc in damaged.items():
        (root / f"{name}.json").write_text(json.dumps(doc), encoding="utf-8")
        out[name] = str(root / f"{name}.json")
    (root / "broken.json").write_text('{"taxpayer": {"kind": "individual", "name": "x"}, "events": [', "utf-8")
    (root / "latin1.json").write_bytes(b'{"taxpayer": {"kind": "individual", "name": "\xe9"}}')
    (root / "ledger.csv").write_text("id,timestamp,kind,asset,quantity,amount\n"
                                     "b,2025-05-01T10:00:00+08:00,acquisition,BTC,1,500000\n"
                                     "s,2025-06-01T10:00:00+08:00,disposal,BTC,0.5,300000\n", "utf-8")
    (root / "profile.toml").write_text('[taxpayer]\nkind = "individual"\nname = "Ann"\n[[assets]]\nsymbol = "BTC"\n',
                                       "utf-8")
    (root / "bad-profile.toml").write_text('[taxpayer\nkind = "individual"\n', "utf-8")
    out.update({p.stem: str(p) for p in root.iterdir() if p.suffix in (".json", ".csv", ".toml")})
    out["missing"] = str(root / "missing.json")
    out["folder"] = str(root)
    for fmt, name in FILES.items():
        out[f"export:{fmt}"] = str(DATA / name)
    return out


@st.composite
def argvs(draw: st.DrawFn, files: dict[str, str]) -> list[str]:
    command = draw(st.sampled_from(["assess", "assess", "compare", "disposals", "report", "import", "schema"]))
    scenarios = sorted(k for k in files if not k.startswith("export:"))
    argv = [command]
    if command == "import":
        fmt = draw(st.sampled_from(sorted(FILES) + ["nope"]))
        argv += [fmt, draw(st.sampled_from([files.get(f"export:{fmt}", files["missing"]), files["broken"],
                                            files["ledger"], files["missing"]]))]
        if draw(st.booleans()):
            argv += ["--strict"]
        for option, values in (("--window-hours", HOURS), ("--skew-hours", HOURS), ("--fee-tolerance", TOLERANCES)):
            if draw(st.integers(0, 2)) == 0:
                argv += [option, draw(st.sampled_from(values))]
        argv += ["--format", draw(st.sampled_from(["csv", "json"]))]
        return argv
    if command == "schema":
        return argv + ["--which", draw(st.sampled_from(["scenario", "error", "flat", "nope"]))]
    argv.append(files[draw(st.sampled_from(scenarios))])
    if draw(st.integers(0, 2)) == 0:
        argv += ["--profile", files[draw(st.sampled_from(["profile", "bad-profile", "missing", "ledger"]))]]
    if command != "disposals" and draw(st.booleans()):
        argv += ["--year", draw(st.sampled_from(YEARS))]
    if draw(st.integers(0, 3)) == 0:
        argv += ["--default-tz", draw(st.sampled_from(ZONES))]
    formats = {"assess": ["text", "markdown", "html", "json", "csv"], "compare": ["text", "json", "csv"],
               "disposals": ["table", "text", "json", "csv"], "report": ["html", "json"]}[command]
    argv += ["--format", draw(st.sampled_from([*formats, "pdf"]))]
    if command == "assess" and draw(st.booleans()):
        argv += ["--detail", draw(st.sampled_from(["summary", "per_asset", "full", "all"]))]
    if command == "assess" and draw(st.booleans()):
        argv += ["--regime", draw(st.sampled_from(["baseline", "va_extension", "lifo"]))]
    if draw(st.integers(0, 9)) == 0:
        argv.insert(draw(st.integers(0, len(argv))), draw(st.sampled_from(["--bogus", "-x", "--", "--format"])))
    return argv


@hostile_settings("cli", 200)
@given(data=st.data())
def test_cli_ends_in_exit_0_1_or_2_with_registered_codes(files: dict[str, str], data: st.DataObject) -> None:
    argv = data.draw(argvs(files), label="argv")
    out, err = io.StringIO(), io.StringIO()
    with case("cli"), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    if code == 3 and "--default-tz" in argv and tolerated("timezone-names"):
        return
    assert code in (0, 1, 2), f"exit {code} for {argv}: {err.getvalue()[-500:]}"
    if code == 0:
        return
    if _wants_json(argv) and out.getvalue().strip():
        doc = json.loads(out.getvalue())
        if doc.get("schema") == "hkvatax.import/1":  # import writes its outputs and lists the rows (exit 1)
            assert not doc["ok"]
            codes = re.findall(r"\[([a-z_]+)\]", "\n".join(doc["report"]))
        else:
            codes = [p["code"] for p in doc["problems"]]
    elif code == 2:  # a usage error is printed as argparse words it (code invalid_argument, docs/cli.md)
        assert err.getvalue().startswith("hkvatax: "), err.getvalue()
        return
    else:
        codes = re.findall(r"\[([a-z_]+)\]", err.getvalue())
    assert codes, f"exit {code} without a code for {argv}: {err.getvalue()[-500:]}"
    assert set(codes) <= set(ERROR_CODES) and not BUG_CODES & set(codes), (argv, codes)


@pytest.mark.parametrize("option", ["--window-hours", "--skew-hours"])
@pytest.mark.parametrize("value", ["nan", "inf", "-1", "1e309", "87601", "x"])
def test_import_refuses_hours_that_are_not_finite_non_negative_and_bounded(option: str, value: str,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """Found by the hostile suite: --window-hours nan was an internal error (exit 3)."""
    assert main(["import", "binance", str(DATA / FILES["binance"]), option, value]) == 2
    assert "give hours from 0 to" in capsys.readouterr().err or value == "x"


@pytest.mark.parametrize("value", ["1_0", "\u0663", "1,5"])
def test_hours_are_read_by_the_one_number_grammar(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", "binance", str(DATA / FILES["binance"]), "--window-hours", value]) == 2
    assert "is not a number of hours" in capsys.readouterr().err
