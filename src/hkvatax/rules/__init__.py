"""The law, as small pure functions registered with citations, validity and status (see registry.py)."""

from .params import ParamStore, ParamValue, default_params
from .registry import RULES, Figure, Out, Rule, RuleContext, rule

__all__ = ["ParamStore", "ParamValue", "default_params", "RULES", "Figure", "Out", "Rule", "RuleContext", "rule"]
