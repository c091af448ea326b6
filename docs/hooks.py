"""mkdocs hook: the "Decisions" section of the navigation lists every docs/decisions/*.md, in order, so a new
decision record appears on the site without editing mkdocs.yml."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def on_config(config: Any) -> Any:
    records = sorted(Path(config["docs_dir"], "decisions").glob("*.md"))
    for entry in config["nav"]:
        if isinstance(entry, dict) and "Decisions" in entry:
            entry["Decisions"] = [f"decisions/{p.name}" for p in records]
    return config
