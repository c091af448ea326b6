"""The ``hkvatax`` command line.

    hkvatax disposals FILE [--profile P] [--format table|json|csv]
    hkvatax assess FILE [--year 2025/26] [--regime baseline|va_extension] [--params FILE]
                        [--format text|markdown|html|json]
    hkvatax demo
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import HkvataxError, InputError

if TYPE_CHECKING:
    from .rules.params import ParamStore

__all__ = ["main"]


def _disposals(args: argparse.Namespace) -> int:
    from .engine import match_scenario
    from .io import load_any
    from .render.disposals import disposals_csv, disposals_json, disposals_table

    scenario = load_any(args.file, profile=args.profile, default_tz=args.default_tz)
    result = match_scenario(scenario)
    render = {"table": disposals_table, "json": disposals_json, "csv": disposals_csv}[args.format]
    sys.stdout.write(render(result))
    return 0


def _render(explanation: object, fmt: str) -> str:
    renderers: dict[str, Any] = {
        "text": explanation.to_text,  # type: ignore[attr-defined]
        "markdown": explanation.to_markdown,  # type: ignore[attr-defined]
        "html": explanation.to_html,  # type: ignore[attr-defined]
        "json": explanation.to_json,  # type: ignore[attr-defined]
    }
    return str(renderers[fmt]())


def _params(args: argparse.Namespace) -> ParamStore:
    """The shipped parameter tables, with the user's ``--params FILE`` laid over them if given."""
    from .rules.params import ParamStore, default_params

    return ParamStore.with_overrides(args.params) if args.params else default_params()


def _assess(args: argparse.Namespace) -> int:
    from .engine import assess, assess_csv
    from .io import load_any

    if args.file.lower().endswith(".csv") and args.profile:  # read in chunks, matched as it is read
        outcome = assess_csv(args.file, args.profile, args.year, regime=args.regime,
                             extension_first_year=args.extension_first_year, params=_params(args),
                             default_tz=args.default_tz)
    else:
        scenario = load_any(args.file, profile=args.profile, default_tz=args.default_tz)
        outcome = assess(scenario, args.year, regime=args.regime, extension_first_year=args.extension_first_year,
                         params=_params(args))
    sys.stdout.write(_render(outcome.explain(detail=args.detail), args.format))
    return 0


def _compare(args: argparse.Namespace) -> int:
    from .compare import compare, compare_csv
    from .io import load_any

    if args.file.lower().endswith(".csv") and args.profile:
        result = compare_csv(args.file, args.profile, args.year, extension_first_year=args.extension_first_year,
                             params=_params(args), default_tz=args.default_tz)
    else:
        scenario = load_any(args.file, profile=args.profile, default_tz=args.default_tz)
        result = compare(scenario, args.year, extension_first_year=args.extension_first_year, params=_params(args))
    render = {"text": result.to_text, "markdown": result.to_markdown, "json": result.to_json,
              "html": result.to_html}[args.format]
    sys.stdout.write(render())
    return 0


DEMO_EXAMPLES = ("individual_investor", "individual_trader", "corporation")
DEMO_COMPARISONS = ("family_office", "private_fund")


def _demo(args: argparse.Namespace) -> int:
    from .engine import assess
    from .examples import example_path
    from .io import load_scenario

    for name in DEMO_EXAMPLES:
        scenario = load_scenario(example_path(name))
        sys.stdout.write("=" * 100 + "\n")
        sys.stdout.write(f"Example: {name} — {scenario.description}\n")
        sys.stdout.write("=" * 100 + "\n")
        outcome = assess(scenario)
        sys.stdout.write(_render(outcome.explain(detail="summary"), args.format))
        sys.stdout.write("\n")
    from .compare import compare

    for name in DEMO_COMPARISONS:
        scenario = load_scenario(example_path(name))
        sys.stdout.write("=" * 100 + "\n")
        sys.stdout.write(f"Example: {name} — {scenario.description}\n")
        sys.stdout.write("=" * 100 + "\n")
        result = compare(scenario)
        render = {"text": result.to_text, "markdown": result.to_markdown, "json": result.to_json,
                  "html": result.to_html}[args.format]
        sys.stdout.write(render())
        sys.stdout.write("\n")
    return 0


def _schema(args: argparse.Namespace) -> int:
    import json

    from .models import Scenario

    sys.stdout.write(json.dumps(Scenario.model_json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    return 0


def _import(args: argparse.Namespace) -> int:
    from datetime import timedelta
    from decimal import Decimal, InvalidOperation

    from .io.sources import Source, import_sources

    try:
        sources = [Source.parse(spec) for spec in args.source or ()]
        if args.format or args.file:
            if not (args.format and args.file):
                raise ValueError("give FORMAT FILE together, or --source FORMAT:PATH[@ACCOUNT]")
            sources.insert(0, Source(args.format.lower(), Path(args.file), ""))
        tolerance = Decimal(args.fee_tolerance)
    except (ValueError, InvalidOperation) as exc:
        sys.stderr.write(f"hkvatax import: {exc}\n")
        return 2
    if not sources:
        sys.stderr.write("hkvatax import: give at least one --source FORMAT:PATH[@ACCOUNT] (or FORMAT FILE)\n")
        return 2
    book = import_sources(sources, prices=args.prices or (), answers=args.answers, assume=args.assume or (),
                          window=timedelta(hours=args.window_hours), skew=timedelta(hours=args.skew_hours),
                          fee_tolerance=tolerance)
    sys.stderr.write("".join(f"hkvatax: {line}\n" for line in book.report().splitlines()))
    if args.strict and not book.ok:
        sys.stderr.write("hkvatax: --strict: nothing written\n")
        return 2
    _write(args.out, book.ledger_csv(), stdout=True)
    if args.rates_out:
        _write(args.rates_out, book.rates_csv())
    elif book.rates:
        sys.stderr.write(f"hkvatax: {len(book.rates)} rates not written (give --rates-out FILE)\n")
    if args.provenance_out:
        _write(args.provenance_out, book.provenance_csv())
    return 0 if book.ok else 1


def _write(path: str | None, text: str, *, stdout: bool = False) -> None:
    if path:
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
    elif stdout:
        sys.stdout.write(text)


def _input_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="JSON scenario, or CSV ledger (with --profile)")
    p.add_argument("--profile", help="profile (JSON/TOML) for a CSV ledger")
    p.add_argument("--default-tz", dest="default_tz", help="zone for timestamps without one, e.g. Asia/Hong_Kong")


def _year_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--year", help="year of assessment (2025/26), a range (2023/24..2025/26); default: all")
    p.add_argument("--extension-first-year", dest="extension_first_year", default="2025/26")
    p.add_argument("--format", choices=["text", "markdown", "html", "json"], default="text")
    p.add_argument("--params", metavar="FILE",
                   help="your own parameter values (TOML, the format of the shipped tables, each with citation and "
                        "status), laid over the shipped tables; e.g. a new Budget's reduction for a future year")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hkvatax", description="Hong Kong profits tax on virtual assets, explained.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("disposals", help="every disposal with its HKD proceeds, cost, gain and matched lots")
    _input_arguments(p)
    p.add_argument("--format", choices=["table", "json", "csv"], default="table")
    p.set_defaults(func=_disposals)

    p = sub.add_parser("assess", help="assess a taxpayer for one or more years of assessment, explained")
    _input_arguments(p)
    _year_arguments(p)
    p.add_argument("--regime", choices=["baseline", "va_extension"], default="baseline")
    p.add_argument("--detail", choices=["summary", "per_asset", "full"], default="summary")
    p.set_defaults(func=_assess)

    p = sub.add_parser("schema", help="print the JSON Schema of a scenario file")
    p.set_defaults(func=_schema)

    p = sub.add_parser("import", help="exchange exports, wallet CSVs and generic CSVs of one taxpayer -> one generic "
                                      "CSV ledger, a rates CSV and a provenance table (docs/importers.md)")
    from .io.importers import IMPORTERS

    p.add_argument("format", nargs="?", help="one export's format (or use --source): " + ", ".join(sorted(IMPORTERS)))
    p.add_argument("file", nargs="?", help="one export (or use --source)")
    p.add_argument("--source", action="append", metavar="FORMAT:PATH[@ACCOUNT]",
                   help="an export and the account or wallet it is of, e.g. binance-statement:bn.csv@binance-main; "
                        "FORMAT 'generic' is a generic CSV ledger; repeat for each file")
    p.add_argument("--prices", action="append", metavar="FILE", help="a price file (docs/formats.md); repeatable")
    p.add_argument("--answers", metavar="FILE", help="what unpaired deposits and withdrawals were (docs/importers.md)")
    p.add_argument("--assume", action="append", metavar="ID",
                   help="switch on a named rate convention: usdt_usd_par, usdc_usd_par, usd_hkd_7_80")
    p.add_argument("--out", help="write the generic CSV ledger here (default: standard output)")
    p.add_argument("--rates-out", dest="rates_out", help="write the rates CSV (trade prices, price files, conventions)")
    p.add_argument("--provenance-out", dest="provenance_out", help="write what became of every input row")
    p.add_argument("--window-hours", dest="window_hours", type=float, default=72,
                   help="a deposit pairs with a withdrawal up to this many hours after it (72)")
    p.add_argument("--skew-hours", dest="skew_hours", type=float, default=1,
                   help="... or up to this many hours before it, for clocks that differ (1)")
    p.add_argument("--fee-tolerance", dest="fee_tolerance", default="0.02",
                   help="the largest network fee, as a share of the withdrawal, that pairing infers (0.02)")
    p.add_argument("--strict", action="store_true", help="write nothing unless every row is used and explained")
    p.set_defaults(func=_import)

    p = sub.add_parser("compare", help="baseline (law in force) vs the proposed VA extension, figure by figure")
    _input_arguments(p)
    _year_arguments(p)
    p.set_defaults(func=_compare)

    p = sub.add_parser("demo", help="run the built-in examples and print their explained outcomes")
    p.add_argument("--format", choices=["text", "markdown", "html", "json"], default="text")
    p.set_defaults(func=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except InputError as exc:
        from .engine import further_problems

        more = further_problems(exc)
        sys.stderr.write(f"hkvatax: {InputError([*exc.problems, *more]) if more else exc}\n")
        return 2
    except HkvataxError as exc:
        sys.stderr.write(f"hkvatax: [{exc.code}] {exc}\n")
        return 2
    except BrokenPipeError:  # pragma: no cover - e.g. piped into head
        return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
