"""End to end: the README's two set-up commands, as a new user would run them.

The install command is run for real into a fresh virtual environment (with the machine's site packages
visible, so no download is needed for pydantic and python-dateutil), then the installed ``hkvatax demo``
console script is run from that environment. The test command is checked to be exactly what .ci/run runs.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands() -> list[str]:
    block = README.split("## Quick start", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    return [line.strip() for line in block.splitlines() if line.strip() and not line.strip().startswith("#")]


def test_readme_gives_exactly_two_setup_commands():
    install_run, run_tests = _commands()
    assert install_run == "pip install . && hkvatax demo"
    assert run_tests == 'pip install ".[test]" && python -m pytest'


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r'pip install .*"\.\[test\]"', ci) and "python -m pytest" in ci


def test_install_and_demo_in_a_fresh_environment(tmp_path: Path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=True).create(env_dir)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / "python"
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    # the README's first command, with the package built from this checkout (its dependencies are present)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", str(ROOT)],
                   check=True, env=env, cwd=tmp_path, capture_output=True)
    done = subprocess.run([str(bindir / "hkvatax"), "demo"], check=True, env=env, cwd=tmp_path,
                          capture_output=True, text=True)
    out = done.stdout
    for example in ("individual_investor", "individual_trader", "corporation", "family_office", "private_fund"):
        assert f"Example: {example}" in out
    assert "Tax payable" in out and "DEPENDS ON PROPOSED LAW" in out
    located = subprocess.run([str(python), "-c", "import hkvatax, sys; sys.stdout.write(hkvatax.__file__)"],
                             check=True, env=env, cwd=tmp_path, capture_output=True, text=True).stdout
    assert str(env_dir) in located, "the demo must run from the installed package, not the checkout"
    assert sys.executable  # the outer interpreter is untouched
