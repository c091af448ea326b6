"""Issue 11, file access policy: a profile names files only inside its own folder (relative, no '..', no
link out, regular files, size-limited) unless the caller passes an allow-list; errors quote no content;
no profile is read unasked beside a ledger."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hkvatax.cli import main
from hkvatax.errors import InputError
from hkvatax.io import files as file_policy
from hkvatax.io import load_any, load_csv_ledger

PROFILE = '[taxpayer]\nkind = "individual"\nname = "A"\n\n[[assets]]\nsymbol = "BTC"\n'
LEDGER = "id,timestamp,kind,asset,quantity,amount,currency\nb1,2025-05-01T10:00:00+08:00,acquisition,BTC,1,1000,USD\n"
RATES = "base,quote,rate,at,source\nUSD,HKD,7.8,2025-05-01T00:00:00+08:00,HKMA\n"


def _setup(tmp_path: Path, rates_file: str) -> tuple[Path, Path]:
    folder = tmp_path / "user"
    folder.mkdir()
    (folder / "rates.csv").write_text(RATES, encoding="utf-8")
    profile = folder / "profile.toml"
    profile.write_text(f"rates_file = {rates_file!r}\n" + PROFILE, encoding="utf-8")
    ledger = folder / "ledger.csv"
    ledger.write_text(LEDGER, encoding="utf-8")
    return profile, ledger


def _problems(profile: Path, ledger: Path, **kw: object) -> list[tuple[str, str | None]]:
    try:
        load_csv_ledger(ledger, profile, **kw)  # type: ignore[arg-type]
    except InputError as exc:
        return [(p.code, p.column) for p in exc.problems]
    return []


def test_a_rates_file_in_the_profiles_folder_is_read(tmp_path: Path) -> None:
    profile, ledger = _setup(tmp_path, "rates.csv")
    assert _problems(profile, ledger) == []
    (profile.parent / "sub").mkdir()
    (profile.parent / "sub" / "r.csv").write_text(RATES, encoding="utf-8")
    profile.write_text('rates_file = "sub/r.csv"\n' + PROFILE, encoding="utf-8")
    assert _problems(profile, ledger) == []


@pytest.mark.parametrize("name", ["/etc/passwd", "../secret.csv", "/proc/self/environ", "sub/../../secret.csv",
                                  "/dev/zero", ".."])
def test_a_rates_file_outside_the_folder_is_file_not_allowed(tmp_path: Path, name: str) -> None:
    (tmp_path / "secret.csv").write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    profile, ledger = _setup(tmp_path, name)
    try:
        load_csv_ledger(ledger, profile)
    except InputError as exc:
        assert [(p.code, p.column) for p in exc.problems] == [("file_not_allowed", "rates_file")]
        assert "root:x" not in str(exc)
    else:
        raise AssertionError("read")


@pytest.mark.parametrize("name", ["a\x00b", "", "x" * 2000, 12, None, ["rates.csv"]])
def test_a_name_that_is_not_a_file_name_is_file_not_allowed(tmp_path: Path, name: object) -> None:
    with pytest.raises(InputError) as caught:
        file_policy.named_file(name, folder=tmp_path)
    assert [p.code for p in caught.value.problems] == ["file_not_allowed"]


def test_a_link_out_of_the_folder_is_file_not_allowed(tmp_path: Path) -> None:
    (tmp_path / "secret.csv").write_text(RATES, encoding="utf-8")
    profile, ledger = _setup(tmp_path, "link.csv")
    os.symlink(tmp_path / "secret.csv", profile.parent / "link.csv")
    assert _problems(profile, ledger) == [("file_not_allowed", "rates_file")]
    assert _problems(profile, ledger, allow_files=[tmp_path / "secret.csv"]) == []


def test_a_link_inside_the_folder_is_read(tmp_path: Path) -> None:
    profile, ledger = _setup(tmp_path, "link.csv")
    os.symlink(profile.parent / "rates.csv", profile.parent / "link.csv")
    assert _problems(profile, ledger) == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_bad_file_and_never_opened(tmp_path: Path) -> None:
    profile, ledger = _setup(tmp_path, "fifo.csv")
    os.mkfifo(profile.parent / "fifo.csv")
    assert _problems(profile, ledger) == [("bad_file", "rates_file")]


def test_a_folder_is_bad_file(tmp_path: Path) -> None:
    profile, ledger = _setup(tmp_path, "sub")
    (profile.parent / "sub").mkdir()
    assert _problems(profile, ledger) == [("bad_file", "rates_file")]


def test_a_file_over_the_limit_is_bad_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    profile, ledger = _setup(tmp_path, "rates.csv")
    monkeypatch.setattr(file_policy, "MAX_NAMED_FILE_BYTES", len(RATES.encode()) - 1)
    assert _problems(profile, ledger) == [("bad_file", "rates_file")]
    monkeypatch.setattr(file_policy, "MAX_NAMED_FILE_BYTES", len(RATES.encode()))
    assert _problems(profile, ledger) == []


def test_an_allow_list_admits_absolute_paths_inside_it_only(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "hkma.csv").write_text(RATES, encoding="utf-8")
    profile, ledger = _setup(tmp_path, str(shared / "hkma.csv"))
    assert _problems(profile, ledger) == [("file_not_allowed", "rates_file")]
    assert _problems(profile, ledger, allow_files=[shared]) == []
    assert _problems(profile, ledger, allow_files=[tmp_path / "elsewhere"]) == [("file_not_allowed", "rates_file")]


def test_a_mapping_profile_names_no_file_without_an_allow_list(tmp_path: Path) -> None:
    (tmp_path / "rates.csv").write_text(RATES, encoding="utf-8")
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(LEDGER, encoding="utf-8")
    profile = {"taxpayer": {"kind": "individual", "name": "A"}, "assets": [{"symbol": "BTC"}],
               "rates_file": str(tmp_path / "rates.csv")}
    with pytest.raises(InputError) as caught:
        load_csv_ledger(ledger, profile)
    assert [p.code for p in caught.value.problems] == ["file_not_allowed"]
    assert load_csv_ledger(ledger, profile, allow_files=[tmp_path]).rates


def test_a_file_that_is_not_a_rates_file_is_bad_file_without_its_content(tmp_path: Path) -> None:
    profile, ledger = _setup(tmp_path, "rates.csv")
    (profile.parent / "rates.csv").write_text("daemon:x:1:1:daemon:/usr/sbin\nsecret line\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_csv_ledger(ledger, profile)
    assert [p.code for p in caught.value.problems] == ["bad_file"]
    assert "daemon" not in str(caught.value) and "secret" not in str(caught.value)


def test_the_command_line_takes_allow_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "hkma.csv").write_text(RATES, encoding="utf-8")
    profile, ledger = _setup(tmp_path, str(shared / "hkma.csv"))
    assert main(["disposals", str(ledger), "--profile", str(profile)]) == 1
    assert "file_not_allowed" in capsys.readouterr().err
    assert main(["disposals", str(ledger), "--profile", str(profile), "--allow-file", str(shared)]) == 0
    assert main(["assess", str(ledger), "--profile", str(profile), "--allow-file", str(shared)]) == 0


def test_no_profile_is_read_beside_a_ledger(tmp_path: Path) -> None:
    profile, ledger = _setup(tmp_path, "rates.csv")
    for sibling in ("ledger.toml", "ledger.json", "ledger.profile.toml"):
        (ledger.parent / sibling).write_text(PROFILE, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_any(ledger)
    assert [p.code for p in caught.value.problems] == ["missing_field"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["..", ".", "a", "rates.csv", "/", "sub", "\\", "~", "%2e%2e"]), min_size=1,
                max_size=5))
def test_any_name_is_read_only_inside_the_folder(tmp_path_factory: pytest.TempPathFactory, parts: list[str]) -> None:
    root = tmp_path_factory.mktemp("policy")
    folder = root / "user"
    (folder / "sub").mkdir(parents=True)
    (folder / "rates.csv").write_text(RATES, encoding="utf-8")
    (root / "rates.csv").write_text(RATES, encoding="utf-8")
    name = "/".join(parts)
    try:
        path = file_policy.named_file(name, folder=folder)
    except InputError as exc:
        assert [p.code for p in exc.problems] in (["file_not_allowed"], ["bad_file"])
    else:
        assert path.is_relative_to(folder.resolve()) and path.is_file()
