"""Process-level helpers shared by the layers: running a bulk step with the cyclic garbage collector paused.

hkvatax builds many small acyclic objects per input row (parsed JSON, models, table cells, lots) and keeps
most of them; with the collector on, every full collection scans all of them again, and the caller's own
data too — a third or more of a large input's time (decision 0176). Reference counting still frees
everything dropped, as nothing here makes reference cycles.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from typing import ParamSpec, TypeVar

__all__ = ["gc_paused"]

_P = ParamSpec("_P")
_R = TypeVar("_R")


def gc_paused(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``fn`` with the cyclic garbage collector paused; re-enabled on the way out if it was enabled on
    the way in (a caller that paused it itself finds it paused).

    Examples:
        >>> import gc
        >>> @gc_paused
        ... def collecting() -> bool:
        ...     return gc.isenabled()
        >>> collecting(), gc.isenabled()
        (False, True)
    """

    @functools.wraps(fn)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        if not gc.isenabled():
            return fn(*args, **kwargs)
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            gc.enable()

    return wrapper
