"""Shared test configuration: hypothesis profiles (moderate example counts, no deadlines)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "default", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow],
)
# Used by bench/mutation.sh: few, derandomized examples so that every mutant sees the same inputs
# and the mutation run stays short. Never the default.
settings.register_profile(
    "mutation", max_examples=10, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HKVATAX_HYPOTHESIS_PROFILE", "default"))
