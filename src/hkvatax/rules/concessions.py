"""What the fund (UFE) and family-office (FIHV) regimes share: the proposed extension switch, the
classification of profit lines into qualifying / incidental / non-qualifying, the incidental-receipts
ratio, and the conversion of a condition's trace node into a :class:`ConditionResult`.

The regime modules (:mod:`hkvatax.rules.ufe`, :mod:`hkvatax.rules.fihv`) register their own rules with
their own citations; the helpers here hold no law of their own except :func:`extension_applies`.

Conventions
-----------
* A condition rule returns ``Out(value=<"met" | "failed" | "unknown" | "not_applicable">, unit="text")``
  and records every fact it used with :meth:`RuleContext.fact`. A fact recorded with the value ``None``
  is a *missing* fact: :func:`condition` lists it in :attr:`ConditionResult.missing`. A missing fact
  makes the condition ``unknown``; it never passes silently.
* Line classes: ``qualifying`` (a Sch. 16C transaction; under the extension also one in a class the extension
  adds, :mod:`hkvatax.rules.extension`), ``incidental`` (interest and dividends on a qualifying asset, lines
  stated as incidental, and — an assumption — staking or lending rewards on a qualifying asset), ``non_qualifying`` (everything else that is chargeable), ``excluded`` (capital or
  offshore: outside the charge and outside the 5% ratio, DIPN 61 para 79).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Literal

from ..money import ZERO, exact_context
from ..periods import YearOfAssessment
from ..trace import Assumption
from .extension import (
    A_EXT_FIRST_YEAR,
    A_EXT_VA_DEFINITION,
    EXTENSION_FIRST_YEAR_DEFAULT,
    IN_FORCE,
    extension_in_force,
    extension_qualifying,
)
from .lines import ConditionResult, ProfitLine, Treatment
from .registry import BILL, HKVATAX, RULES, Figure, Out, RuleContext, rule

__all__ = [
    "EXTENSION_FIRST_YEAR_DEFAULT",
    "LineClass",
    "Outcome",
    "A_EXT_FIRST_YEAR",
    "A_EXT_VA_DEFINITION",
    "A_INCIDENTAL_LINES",
    "A_TRADING_RECEIPTS",
    "A_DIVIDENDS",
    "extension_applies",
    "extension_first_year",
    "condition",
    "combine",
    "line_class",
    "is_dividend",
    "incidental_receipts",
]

LineClass = Literal["qualifying", "incidental", "non_qualifying", "excluded"]
Outcome = Literal["met", "failed", "unknown", "not_applicable"]

A_INCIDENTAL_LINES = Assumption(
    "A-CONC-INCIDENTAL-LINES",
    "Incidental transactions are taken to be interest and dividend income arising on a qualifying asset "
    "(DIPN 61 paras 75, 78), lines the user states are incidental, and — under the extension only, with no "
    "source for it — staking and lending rewards on a qualifying digital asset; income with no qualifying asset "
    "(e.g. loan interest) and mining, airdrops, forks and payments are non-qualifying.",
    "set the line's related asset or its class, or state the line (stated_lines) as incidental",
)
A_TRADING_RECEIPTS = Assumption(
    "A-CONC-TRADING-RECEIPTS",
    "'Trading receipts' in the 5% incidental test are gross receipts (disposal proceeds, gross interest), "
    "not profits; DIPN 61 does not say which.",
    None,
)
A_DIVIDENDS = Assumption(
    "A-CONC-DIVIDENDS",
    "Dividends are left out of both sides of the 5% ratio (DIPN 61 para 79) and are treated as outside the "
    "charge (IRO s.26(a)); foreign dividends are taken to be offshore.",
    "mark a dividend line as other income if it is chargeable",
)


def extension_first_year(ctx: RuleContext) -> YearOfAssessment:
    """The first year of the extension: the in-force parameter's when enacted, else the run setting."""
    if extension_in_force(ctx.params, ctx.year):
        return ctx.params.at(IN_FORCE, ctx.year).valid_from
    return YearOfAssessment.parse(str(ctx.settings.get("extension_first_year", EXTENSION_FIRST_YEAR_DEFAULT)))


@rule("ext.applies", "The extension of the fund and family-office concessions applies to this year of assessment",
      cite=[BILL("commencement: not found; Government's stated intention (2 March 2026) is effect from 2025/26 "
                 "if passed", "stheadline and HK01 reports of the LegCo Panel on Financial Affairs", confidence="medium"),
            HKVATAX("docs/decisions/0050-concessions-extension-year.md")],
      status="proposed", status_param=IN_FORCE)
def extension_applies(ctx: RuleContext, requested: bool) -> Out:
    """While the Bill is proposed, the extension applies when the run asks for it (scenario va_extension) and the
    year of assessment is not before the setting ``extension_first_year`` (default 2025/26, an assumption shown in
    every outcome that depends on it). Once the parameter ``extension.in_force`` says it is law, it applies in
    every run from the first year that parameter gives."""
    ctx.param(IN_FORCE) if ctx.params.has(IN_FORCE, ctx.year) else None
    first = extension_first_year(ctx)
    ctx.fact("extension_requested", requested)
    ctx.fact("extension_first_year", first.label)
    if extension_in_force(ctx.params, ctx.year):
        return Out(True, f"the extension is law: in force from {first.label}", unit="bool")
    ctx.assume(A_EXT_FIRST_YEAR)
    applies = requested and ctx.year >= first
    if applies:
        why = f"the extension is applied: {ctx.year.label} is not before its first year {first.label}"
    elif requested:
        why = (f"the extension was asked for, but {ctx.year.label} is before its first year {first.label}: "
               "the law in force applies")
    else:
        why = "the extension was not asked for: the law in force applies"
    return Out(applies, why, unit="bool")


def condition(ctx: RuleContext, fig: Figure) -> ConditionResult:
    """Wrap a condition rule's figure as a :class:`ConditionResult`, listing the facts it lacked."""
    node = ctx.tracer.nodes[fig.id]
    missing = tuple(dict.fromkeys(f.name for f in node.facts if f.value is None))
    outcome = fig.value
    if outcome not in ("met", "failed", "unknown", "not_applicable"):
        raise ValueError(f"condition {node.rule_id} returned {outcome!r}")
    return ConditionResult(id=node.rule_id, title=RULES[node.rule_id].title, outcome=outcome, figure=fig,
                           missing=missing if outcome == "unknown" else ())


def combine(outcomes: Iterable[str]) -> Outcome:
    """All conditions together: failed if any failed, else unknown if any unknown, else met."""
    seen = list(outcomes)  # "not_applicable" decides nothing
    if "failed" in seen:
        return "failed"
    if "unknown" in seen:
        return "unknown"
    return "met"


def is_dividend(line: ProfitLine) -> bool:
    return line.kind == "income" and line.income_type == "dividend"


_DERIVE = "derive"


def line_class(line: ProfitLine, ext_on: bool, ext_class: str | None = _DERIVE) -> tuple[LineClass, str, bool]:
    """(class, why, depends_on_extension) for one line — the common logic of ``*.transaction.classify``.

    ``ext_class`` is the class the extension adds that the line's asset is in (None if none): see
    :func:`hkvatax.rules.extension.extension_qualifying`, which applies the digital-asset setting. Left out, it
    is derived without settings (a virtual asset is a digital asset).
    """
    if ext_class == _DERIVE:
        ext_class = (None if line.sch16c_class is not None else
                     "digital_assets" if line.virtual_asset and line.extension_class is None else line.extension_class)
    if not ext_on:
        ext_class = None
    if line.character == "capital" or line.offshore:
        why = "capital" if line.character == "capital" else "offshore"
        return "excluded", f"a {why} {line.kind}: outside the charge to profits tax and outside the 5% ratio", False
    via_ext = ext_on and ext_class is not None
    qualifying_asset = line.sch16c_class is not None or via_ext
    if line.stated_incidental and line.kind != "outgoing":
        return "incidental", f"stated as an incidental transaction ({line.kind})", via_ext
    if line.kind == "disposal":
        if line.sch16c_class is not None:
            return "qualifying", f"a transaction in a Sch. 16C asset ({line.sch16c_class})", False
        if via_ext and ext_class == "digital_assets":
            return "qualifying", "a transaction in a virtual asset, a qualifying asset under the extension", True
        if via_ext:
            return ("qualifying", f"a transaction in {str(ext_class).replace('_', ' ')}, a class of qualifying "
                    "investment the extension adds", True)
        if line.virtual_asset:
            return ("non_qualifying", "a transaction in a virtual asset, which is not a Sch. 16C class under the "
                    "law in force", ext_on)
        if line.extension_class is not None:
            return ("non_qualifying", f"a transaction in {line.extension_class.replace('_', ' ')}, which is not a "
                    "Sch. 16C class under the law in force", ext_on)
        return "non_qualifying", "a transaction in an asset outside Sch. 16C", False
    if line.kind == "income":
        if line.income_type in ("interest", "dividend") and qualifying_asset:
            return ("incidental", f"{line.income_type} arising on a qualifying asset, incidental to qualifying "
                    "transactions", via_ext)
        return ("non_qualifying", f"{line.income_type or 'other'} income not arising on a qualifying asset",
                ext_on and line.virtual_asset)
    if line.kind == "receipt":
        if line.receipt_type in ("staking", "lending_interest") and qualifying_asset:
            return ("incidental", f"{line.receipt_type} rewards on a qualifying asset, treated like interest on it",
                    via_ext)
        return ("non_qualifying", f"a {line.receipt_type or 'token'} receipt, not a transaction in or incidental "
                "to a qualifying asset", ext_on and line.virtual_asset)
    # outgoings follow the asset they relate to; an outgoing with no asset stays with the chargeable profits
    if line.asset is not None and qualifying_asset:
        return "qualifying", f"an outgoing on {line.asset}, a qualifying asset", via_ext
    if line.asset is None:
        return ("non_qualifying", "an outgoing not tied to an asset: left with the chargeable profits (its "
                "deductible share is the engine's s.16/s.17 question)", False)
    return "non_qualifying", f"an outgoing on {line.asset}, not a qualifying asset", ext_on and line.virtual_asset


def incidental_receipts(lines: Sequence[ProfitLine], classes: dict[str, LineClass]) -> tuple[Decimal, Decimal]:
    """(A, B) of the 5% formula: incidental trading receipts, and qualifying + incidental trading receipts.

    Dividends are left out of both (DIPN 61 para 79), as are excluded (capital, offshore) lines and
    outgoings.
    """
    a = ZERO
    b = ZERO
    with exact_context():
        for line in lines:
            cls = classes[line.key]
            if line.kind == "outgoing" or is_dividend(line) or cls in ("excluded", "non_qualifying"):
                continue
            receipts = abs(line.trading_receipts)
            if cls == "incidental":
                a += receipts
            b += receipts
    return a, b


def relief_treatment(ctx: RuleContext, line: ProfitLine, cls: Figure, eligible: Figure, incidental: Figure,
                     relieved: Treatment, texts: dict[str, str]) -> tuple[Treatment, str, tuple[Figure, ...]]:
    """The decision both regimes share for one line: outside the charge, relieved (``exempt`` for the UFE,
    ``zero_rate`` for an FIHV), or chargeable at the normal rates — each with the regime's own wording
    (``texts`` keys: excluded, dividend, not_eligible, unknown, qualifying, incidental_failed, incidental,
    non_qualifying). The third item is the figures the decision consulted (``Out.depends``): the 5% test only
    for an incidental line, eligibility only for a line that is not excluded."""
    used = [line.figure, cls]
    treatment, why = _relief(ctx, line, cls, eligible, incidental, relieved, texts, used)
    return treatment, why, tuple(used)


def _relief(ctx: RuleContext, line: ProfitLine, cls: Figure, eligible: Figure, incidental: Figure,
            relieved: Treatment, texts: dict[str, str], used: list[Figure]) -> tuple[Treatment, str]:
    if cls.value == "excluded":
        return "excluded", texts["excluded"]
    if is_dividend(line):
        ctx.assume(A_DIVIDENDS)
        return "excluded", texts["dividend"]
    used.append(eligible)
    if eligible.value != "yes":
        return "assessable", texts["not_eligible" if eligible.value == "no" else "unknown"]
    if cls.value == "qualifying":
        return relieved, texts["qualifying"]
    if cls.value == "incidental":
        used.append(incidental)
        if incidental.value == "failed":
            return "assessable", texts["incidental_failed"]
        if incidental.value == "unknown":
            return "assessable", ("incidental, but the extension's 'specified conditions' for incidental profits "
                                  "are unknown: chargeable until they are known")
        return relieved, texts["incidental"]
    return "assessable", texts["non_qualifying"]


def classify_line(ctx: RuleContext, line: ProfitLine, ext: Figure | None) -> tuple[LineClass, str]:
    """The class of one line for either regime (:func:`line_class`), recording in the calling rule's node the
    line, the extension switch when the class depends on it, and the assumptions it rests on."""
    ext_on = bool(ext is not None and ext.value)
    ext_class = extension_qualifying(ctx, line) if ext_on else None
    cls, why, depends = line_class(line, ext_on, ext_class)
    ctx.uses(line.figure)
    ctx.fact("line", line.key)
    if ext_class is not None:
        ctx.fact("extension_class", ext_class)
    if depends and ext is not None:
        ctx.uses(ext)
    if line.kind in ("income", "receipt") or line.stated_incidental:
        ctx.assume(A_INCIDENTAL_LINES)
    return cls, why


def sum_of_class(ctx: RuleContext, lines: Sequence[ProfitLine], classes: Sequence[Figure], which: str) -> Decimal:
    """The exact sum of the lines whose class figure is ``which`` (each line's figure recorded as used): the
    body of the UFE and FIHV "profits by class" rules, which keep their own ids and citations."""
    total = ZERO
    with exact_context():
        for ln, c in zip(lines, classes, strict=True):
            if c.value == which:
                ctx.uses(ln.figure)
                total += ln.amount
    return total
