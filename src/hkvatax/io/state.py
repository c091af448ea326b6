"""Reading a closing-state file (docs/formats.md, "State file"; docs/decisions/0160-closing-state.md)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import InputError, Problem, SourceRef
from ..models.state import YearState
from .loaders import document_problems, read_json_file

__all__ = ["load_state", "state_from_dict"]


def state_from_dict(data: Mapping[str, Any], *, file: str | None = None) -> YearState:
    """Validate a closing state given as parsed JSON, collecting every problem."""
    if not isinstance(data, Mapping):
        raise InputError([Problem("bad_file", "a state file must be a JSON object", SourceRef(file=file))])
    if data.get("format") != "hkvatax-state":
        raise InputError([Problem("bad_file", "not an hkvatax state file (no \"format\": \"hkvatax-state\")",
                                  SourceRef(file=file, path="format"), None,
                                  "write it with `hkvatax close` or hkvatax.close_year")])
    try:
        return YearState.model_validate(dict(data))
    except ValidationError as exc:
        raise InputError(document_problems(exc, file)) from None


def load_state(path: str | Path, *, content: bytes | None = None) -> YearState:
    """Load a state file written by ``hkvatax close`` (``content``: its bytes instead of reading ``path``).

    Examples:
        >>> from hkvatax import close_year
        >>> from hkvatax.examples import example_path
        >>> from hkvatax.io import load_scenario
        >>> state = close_year(load_scenario(example_path("corporation")), "2025/26")
        >>> load_state("state.json", content=state.model_dump_json().encode()) == state
        True
    """
    p = Path(path)
    data = read_json_file(p, content)
    return state_from_dict(data, file=str(p))
