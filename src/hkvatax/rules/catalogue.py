"""The catalogue of rules, rendered as docs/rules.md (a test fails when the file is stale).

Regenerate with ``python -m hkvatax.rules.catalogue > docs/rules.md``.
"""

from __future__ import annotations

import importlib

from .registry import RULES, Rule

__all__ = ["load_all_rules", "render_rules_markdown"]

_MODULES = (
    "hkvatax.rules.classification",
    "hkvatax.rules.profits_tax",
    "hkvatax.rules.ufe",
    "hkvatax.rules.fihv",
    "hkvatax.rules.extension",
    "hkvatax.rules.carried_interest",
    "hkvatax.explain",
)


def load_all_rules() -> dict[str, Rule]:
    for name in _MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:  # a regime module not present in this build
            if exc.name != name:
                raise
    return dict(sorted(RULES.items()))


def render_rules_markdown() -> str:
    rules = load_all_rules()
    out = [
        "# Rules",
        "",
        "Generated from the rule registry (`python -m hkvatax.rules.catalogue > docs/rules.md`); a test fails "
        "when this file is stale. Status: **enacted** = law in force; **proposed** = a Bill, not yet law; "
        "**assumption** = a position hkvatax takes on an unsettled point (docs/decisions/).",
        "",
        "| id | title | citations | years | status |",
        "|---|---|---|---|---|",
    ]
    for r in rules.values():
        cites = "; ".join(str(c) for c in r.citations).replace("|", "/")
        status = f"{r.status} (follows `{r.status_param}`)" if r.status_param else r.status
        out.append(f"| `{r.id}` | {r.title} | {cites} | {r.validity} | {status} |")
    out.append("")
    out.append("## What each rule says")
    out.append("")
    for r in rules.values():
        law = " ".join(r.law.split()) if r.law else "(no paraphrase)"
        out.append(f"- `{r.id}` — {law}")
    return "\n".join(out) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(render_rules_markdown(), end="")
