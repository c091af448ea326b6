"""A client of the public API, type-checked with mypy --strict by tests/outputs/test_client_typing.py (never run)."""

from decimal import Decimal

import hkvatax
from hkvatax.explain import Explanation
from hkvatax.io import load_scenario

scenario = load_scenario("x.json")
outcome = hkvatax.assess(scenario, "2025/26", regime="baseline")
e: Explanation = outcome.explain("2025/26", detail="per_asset")
text: str = e.to_text() + e.to_markdown() + e.to_html() + e.to_json()
flat: dict[str, dict[str, str | None]] = outcome.to_flat()
tax: Decimal | None = outcome["2025/26"].tax_payable
c = hkvatax.compare(scenario, "2025/26")
deltas: list[Decimal] = [d.delta for d in c.differences]
try:
    hkvatax.assess(scenario, regime="foo")
except hkvatax.HkvataxError as exc:
    codes: list[str] = [p.code for p in exc.problems]
