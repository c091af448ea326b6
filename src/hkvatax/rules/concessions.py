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
* Line classes: ``qualifying`` (a Sch. 16C transaction; under the extension also a virtual asset),
  ``incidental`` (interest, dividends and — under the extension — staking or lending rewards on a
  qualifying asset), ``non_qualifying`` (everything else that is chargeable), ``excluded`` (capital or
  offshore: outside the charge and outside the 5% ratio, DIPN 61 para 79).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Literal

from ..money import ZERO, exact_context
from ..periods import YearOfAssessment
from ..trace import Assumption
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

EXTENSION_FIRST_YEAR_DEFAULT = "2025/26"

LineClass = Literal["qualifying", "incidental", "non_qualifying", "excluded"]
Outcome = Literal["met", "failed", "unknown", "not_applicable"]

A_EXT_FIRST_YEAR = Assumption(
    "A-EXT-FIRST-YEAR",
    "The extension of the fund (UFE) and family-office (FIHV) concessions to virtual assets is proposed law "
    "(Inland Revenue (Amendment) Bill 2026, gazetted 12 June 2026; commencement not found in any source). "
    "hkvatax applies it only in the va_extension scenario, from the year of assessment given by the "
    "setting extension_first_year (default 2025/26).",
    "set extension_first_year (e.g. \"2026/27\") in the run settings; use the baseline scenario for the law in force",
)
A_EXT_VA_DEFINITION = Assumption(
    "A-EXT-VA-DEFINITION",
    "Under the extension a 'virtual asset' is an asset the user flags is_virtual_asset (the AMLO s.53ZRA "
    "definition); the Bill's own definition was not found.",
    "set is_virtual_asset per asset",
)
A_INCIDENTAL_LINES = Assumption(
    "A-CONC-INCIDENTAL-LINES",
    "Incidental transactions are taken to be interest and dividend income arising on a qualifying asset "
    "(DIPN 61 paras 75, 78), and — under the extension only — staking and lending rewards on a virtual "
    "asset; income with no qualifying asset (e.g. loan interest) and mining, airdrops, forks and payments "
    "are non-qualifying.",
    "set the line's related asset, or its Sch. 16C class, in the input",
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
    return YearOfAssessment.parse(str(ctx.settings.get("extension_first_year", EXTENSION_FIRST_YEAR_DEFAULT)))


@rule("ext.applies", "The proposed extension to virtual assets applies to this year of assessment",
      cite=[BILL("commencement (not stated in any source found)"),
            HKVATAX("docs/decisions/0050-concessions-extension-year.md")],
      status="proposed")
def extension_applies(ctx: RuleContext, requested: bool) -> Out:
    """The extension applies when the run asks for it (scenario va_extension) and the year of assessment is
    not before the extension's first year (setting ``extension_first_year``, default 2025/26 — an
    assumption, shown in every outcome that depends on it)."""
    first = extension_first_year(ctx)
    ctx.fact("extension_requested", requested)
    ctx.fact("extension_first_year", first.label)
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


def _qualifying_asset(line: ProfitLine, ext_on: bool) -> bool:
    return line.sch16c_class is not None or (ext_on and line.virtual_asset)


def line_class(line: ProfitLine, ext_on: bool) -> tuple[LineClass, str, bool]:
    """(class, why, depends_on_extension) for one line — the common logic of ``*.transaction.classify``."""
    if line.character == "capital" or line.offshore:
        why = "capital" if line.character == "capital" else "offshore"
        return "excluded", f"a {why} {line.kind}: outside the charge to profits tax and outside the 5% ratio", False
    va_ext = ext_on and line.virtual_asset and line.sch16c_class is None
    if line.kind == "disposal":
        if line.sch16c_class is not None:
            return "qualifying", f"a transaction in a Sch. 16C asset ({line.sch16c_class})", False
        if va_ext:
            return "qualifying", "a transaction in a virtual asset, a qualifying asset under the extension", True
        if line.virtual_asset:
            return ("non_qualifying", "a transaction in a virtual asset, which is not a Sch. 16C class under the "
                    "law in force", ext_on)
        return "non_qualifying", "a transaction in an asset outside Sch. 16C", False
    if line.kind == "income":
        if line.income_type in ("interest", "dividend") and _qualifying_asset(line, ext_on):
            return ("incidental", f"{line.income_type} arising on a qualifying asset, incidental to qualifying "
                    "transactions", va_ext)
        return ("non_qualifying", f"{line.income_type or 'other'} income not arising on a qualifying asset",
                ext_on and line.virtual_asset)
    if line.kind == "receipt":
        if line.receipt_type in ("staking", "lending_interest") and _qualifying_asset(line, ext_on):
            return ("incidental", f"{line.receipt_type} rewards on a qualifying asset, treated like interest on it",
                    va_ext)
        return ("non_qualifying", f"a {line.receipt_type or 'token'} receipt, not a transaction in or incidental "
                "to a qualifying asset", ext_on and line.virtual_asset)
    # outgoings follow the asset they relate to; an outgoing with no asset stays with the chargeable profits
    if line.asset is not None and _qualifying_asset(line, ext_on):
        return "qualifying", f"an outgoing on {line.asset}, a qualifying asset", va_ext
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
                     relieved: Treatment, texts: dict[str, str]) -> tuple[Treatment, str]:
    """The decision both regimes share for one line: outside the charge, relieved (``exempt`` for the UFE,
    ``zero_rate`` for an FIHV), or chargeable at the normal rates — each with the regime's own wording
    (``texts`` keys: excluded, dividend, not_eligible, unknown, qualifying, incidental_failed, incidental,
    non_qualifying)."""
    ctx.uses(line.figure)
    if cls.value == "excluded":
        return "excluded", texts["excluded"]
    if is_dividend(line):
        ctx.assume(A_DIVIDENDS)
        return "excluded", texts["dividend"]
    if eligible.value != "yes":
        return "assessable", texts["not_eligible" if eligible.value == "no" else "unknown"]
    if cls.value == "qualifying":
        return relieved, texts["qualifying"]
    if cls.value == "incidental":
        if incidental.value == "failed":
            return "assessable", texts["incidental_failed"]
        return relieved, texts["incidental"]
    return "assessable", texts["non_qualifying"]


def classify_line(ctx: RuleContext, line: ProfitLine, ext: Figure | None) -> tuple[LineClass, str]:
    """The class of one line for either regime (:func:`line_class`), recording in the calling rule's node the
    line, the extension switch when the class depends on it, and the assumptions it rests on."""
    cls, why, depends = line_class(line, bool(ext is not None and ext.value))
    ctx.uses(line.figure)
    ctx.fact("line", line.key)
    if depends and ext is not None:
        ctx.uses(ext)
        ctx.assume(A_EXT_VA_DEFINITION)
    if line.kind in ("income", "receipt"):
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
