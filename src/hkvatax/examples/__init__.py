"""Built-in example scenarios (JSON), shipped with the package for the demo and the tests."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["example_path", "example_names"]


def example_names() -> list[str]:
    root = resources.files(__name__)
    return sorted(p.name[: -len(".json")] for p in root.iterdir() if p.name.endswith(".json"))


def example_path(name: str) -> Path:
    root = resources.files(__name__)
    path = Path(str(root.joinpath(f"{name}.json")))
    if not path.exists():
        raise FileNotFoundError(f"no built-in example {name!r}; choose from {', '.join(example_names())}")
    return path
