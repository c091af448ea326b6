"""The ``hkvatax`` command line.

    hkvatax disposals FILE [--profile P] [--format table|json|csv]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .errors import HkvataxError, InputError

__all__ = ["main"]


def _disposals(args: argparse.Namespace) -> int:
    from .io import load_any
    from .ledger import match_scenario
    from .render.disposals import disposals_csv, disposals_json, disposals_table

    scenario = load_any(args.file, profile=args.profile, default_tz=args.default_tz)
    result = match_scenario(scenario)
    render = {"table": disposals_table, "json": disposals_json, "csv": disposals_csv}[args.format]
    sys.stdout.write(render(result))
    return 0


def _demo(args: argparse.Namespace) -> int:
    from .examples import example_path
    from .io import load_scenario
    from .ledger import match_scenario
    from .render.disposals import disposals_table

    scenario = load_scenario(example_path("ledger_demo"))
    sys.stdout.write(f"== {scenario.description}\n\n")
    sys.stdout.write(disposals_table(match_scenario(scenario)))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hkvatax", description="Hong Kong profits tax on virtual assets, explained.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("disposals", help="every disposal with its HKD proceeds, cost, gain and matched lots")
    p.add_argument("file", help="JSON scenario, or CSV ledger (with --profile)")
    p.add_argument("--profile", help="profile (JSON/TOML) for a CSV ledger")
    p.add_argument("--format", choices=["table", "json", "csv"], default="table")
    p.add_argument("--default-tz", dest="default_tz", help="zone for timestamps without one, e.g. Asia/Hong_Kong")
    p.set_defaults(func=_disposals)

    p = sub.add_parser("demo", help="run the built-in examples and print their explained outcomes")
    p.set_defaults(func=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except InputError as exc:
        sys.stderr.write(f"hkvatax: {exc}\n")
        return 2
    except HkvataxError as exc:
        sys.stderr.write(f"hkvatax: [{exc.code}] {exc}\n")
        return 2
    except BrokenPipeError:  # pragma: no cover - e.g. piped into head
        return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
