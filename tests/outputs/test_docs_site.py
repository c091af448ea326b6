"""The docs site: `mkdocs build --strict` (Material, mkdocstrings API reference, the three tutorial notebooks
executed by mkdocs-jupyter), then one executed tutorial page opened in headless Chromium (the notebook's
exported HTML with hkvatax's rich displays) — rendered text checked, no horizontal overflow."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

for module in ("mkdocs", "material", "mkdocstrings", "mkdocs_jupyter", "ipykernel"):
    pytest.importorskip(module)  # the 'docs' extra (installed by .ci/run)

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--clean", "-d", str(out)],
                         cwd=ROOT, capture_output=True, text=True, timeout=1200,
                         env={**__import__("os").environ, "NO_MKDOCS_2_WARNING": "1"})
    assert run.returncode == 0, run.stderr[-4000:]
    return out


def test_site_has_the_api_reference_the_rules_and_the_executed_tutorials(site: Path) -> None:
    api = (site / "api" / "index.html").read_text(encoding="utf-8")
    assert "hkvatax.engine.assess" in api and "hkvatax.money.reconcile" in api
    assert "pt.rates.tax" in (site / "rules" / "index.html").read_text(encoding="utf-8")
    for record in sorted((ROOT / "docs" / "decisions").glob("*.md")):  # docs/hooks.py lists every record
        assert f"decisions/{record.stem}/" in api, f"{record.name} is not in the navigation"
    for name in ("individual-investor", "family-office", "fund-resident-investors"):
        page = (site / "tutorials" / name / "index.html").read_text(encoding="utf-8")
        assert 'class="hkvatax"' in page and "Tax payable" in page, f"{name} was not executed"
    assert "data:image/png" in (site / "tutorials" / "family-office" / "index.html").read_text(encoding="utf-8")


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs it)")
def test_an_executed_tutorial_renders_in_a_browser(site: Path, tmp_path: Path) -> None:
    page = site / "tutorials" / "family-office" / "index.html"
    probe = ("<script>addEventListener('load',()=>{const p=document.createElement('pre');p.id='probe';"
             "const boxes=[...document.querySelectorAll('div.hkvatax')].map(e=>[e.scrollWidth,e.clientWidth]);"
             "p.textContent=JSON.stringify({boxes,text:document.body.innerText});document.body.appendChild(p);});"
             "</script>")
    probed = page.with_name("probed.html")
    probed.write_text(page.read_text(encoding="utf-8").replace("</body>", probe + "</body>"), encoding="utf-8")
    common = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1024,1400"]
    dom = subprocess.run([*common, f"--user-data-dir={tmp_path / 'a'}", "--virtual-time-budget=5000", "--dump-dom",
                          probed.as_uri()], capture_output=True, text=True, timeout=180, check=True).stdout
    match = re.search(r'<pre id="probe">(.*?)</pre>', dom, flags=re.S)
    assert match
    found = json.loads(html.unescape(match.group(1)))
    assert found["boxes"] and all(sw <= cw + 1 for sw, cw in found["boxes"]), found["boxes"]
    assert "1,597,533.00" in found["text"]  # the family office's tax payable under the law in force
    shot = tmp_path / "tutorial.png"
    subprocess.run([*common, f"--user-data-dir={tmp_path / 'b'}", f"--screenshot={shot}", page.as_uri()],
                   capture_output=True, timeout=180, check=True)
    assert shot.stat().st_size > 20_000

