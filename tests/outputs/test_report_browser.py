"""The client report rendered in a real browser (headless Debian Chromium; `.ci/run` installs it).

The report of each example with concessions is written by the CLI, opened at A4 width (794 CSS pixels),
screenshotted, printed to PDF, and its rendered DOM is read back: no horizontal overflow, and every amount
of the statements and of the comparison is there as the reader sees it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import hkvatax
from hkvatax.cli import main
from hkvatax.examples import example_path
from hkvatax.io import load_scenario
from hkvatax.money import fmt_hkd

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs it)")

A4_WIDTH = 794  # 210 mm at 96 CSS pixels per inch

PROBE = """<script>
addEventListener('load', () => {
  const d = document.documentElement;
  const probe = document.createElement('pre');
  probe.id = 'probe';
  probe.textContent = JSON.stringify({scroll: d.scrollWidth, inner: innerWidth, text: document.body.innerText});
  document.body.appendChild(probe);
});
</script>"""


def _chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp / f"profile-{len(list(tmp.iterdir()))}"
    cmd = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
           f"--window-size={A4_WIDTH},1123", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=True)


@pytest.mark.parametrize("name", ["private_fund", "family_office"])
def test_report_renders_at_a4_width_without_overflow_and_shows_every_amount(name: str, tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    assert main(["report", str(example_path(name)), "--out", str(report), "--quiet"]) == 0
    text = report.read_text(encoding="utf-8")
    assert "<script" not in text and "http-equiv" not in text and "<link" not in text  # self-contained

    probed = tmp_path / "probed.html"
    probed.write_text(text.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dom = _chromium(tmp_path, "--virtual-time-budget=5000", "--dump-dom", probed.as_uri()).stdout
    match = re.search(r'<pre id="probe">(.*?)</pre>', dom, flags=re.S)
    assert match, "the page did not finish loading"
    import html as _html

    found = json.loads(_html.unescape(match.group(1)))
    assert found["scroll"] <= found["inner"], f"horizontal overflow: {found['scroll']}px > {found['inner']}px"
    seen = found["text"]
    c = hkvatax.compare(load_scenario(example_path(name)))
    for label in c.baseline.years:
        for _branch, _figure, vb, ve in c.figures(label):
            for v in (vb, ve):
                assert v is None or fmt_hkd(v) in seen, f"{fmt_hkd(v)} not rendered"
    assert c.baseline.taxpayer_name in seen and "Sources" in seen and "prices and conversions" in seen

    if name == "private_fund":
        shot = tmp_path / "report.png"
        _chromium(tmp_path, f"--screenshot={shot}", report.as_uri())
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
        pdf = tmp_path / "report.pdf"
        _chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", report.as_uri())
        assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 10_000
