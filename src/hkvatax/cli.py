"""The ``hkvatax`` command line (docs/cli.md).

    hkvatax disposals FILE [--profile P] [--format table|json|csv] [--out PATH]
    hkvatax assess FILE [--year 2025/26] [--regime baseline|va_extension] [--params FILE]
                        [--format text|markdown|html|json|csv]
    hkvatax compare FILE [--year ...] [--format text|markdown|html|json|csv]
    hkvatax report FILE --out report.html
    hkvatax close FILE --year 2025/26 --out state.json   (then: assess/compare/disposals ... --state state.json)
    hkvatax import EXCHANGE FILE [--format csv|json] [--out PATH]
    hkvatax schema [--which scenario|explanation|comparison|flat|error|state]
    hkvatax demo [--format text|markdown|html|json|csv]
    hkvatax serve [--workers N]                                  (extra "server")
    hkvatax batch INPUT --customers FILE --out DIR [--scheduler ADDRESS]  (extra "dask")
    hkvatax --version

Exit codes: 0 success; 1 a problem with the input (a file that cannot be read, bad rows, an oversell);
2 a usage error (an unknown option, a year written ``25/26``); 3 an internal error (a bug in hkvatax).
With ``--format json`` the standard output is always one JSON document, errors included
(``{"error", "code", "message", "problems": [...]}``). Progress goes to standard error, only when it is a
terminal, and never with ``--quiet``.
"""

from __future__ import annotations

import argparse
import csv
import html
import importlib
import io
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from .errors import ArgumentError, HkvataxError, InputError, Problem, SourceRef
from .escape import escape_lines, escape_text

if TYPE_CHECKING:
    from .compare import Comparison
    from .engine import Assessment
    from .rules.params import ParamStore

__all__ = ["main", "build_parser", "UsageError", "SCHEMAS", "EXIT_OK", "EXIT_INPUT", "EXIT_USAGE", "EXIT_INTERNAL"]

EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


class UsageError(HkvataxError):
    """A command line the parser cannot accept (exit code 2)."""

    code = "invalid_argument"


# ---------------------------------------------------------------------------------------------- progress
class _Progress:
    """Stage-by-stage progress on standard error (tqdm, the ``progress`` extra), only on a terminal."""

    def __init__(self, stages: Sequence[str], enabled: bool) -> None:
        self._bar: Any = None
        if enabled and sys.stderr.isatty():
            try:
                tqdm = importlib.import_module("tqdm").tqdm
            except ImportError:  # the 'progress' extra is not installed: no progress, same results
                return
            import shutil

            size = shutil.get_terminal_size((80, 24))  # a pty may report 0 x 0: tqdm would then draw nothing
            self._bar = tqdm(total=len(stages), file=sys.stderr, unit="stage", leave=False,
                             ncols=min(100, size.columns or 80), nrows=size.lines or 24,
                             bar_format="{desc:<28} {bar} {n_fmt}/{total_fmt} [{elapsed}]")

    def stage(self, name: str) -> None:
        if self._bar is not None:
            if self._bar.desc:
                self._bar.update(1)
            self._bar.set_description_str(name)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.update(self._bar.total - self._bar.n)
            self._bar.close()


@contextmanager
def _progress(args: argparse.Namespace, *stages: str) -> Iterator[_Progress]:
    p = _Progress(stages, not getattr(args, "quiet", False))
    try:
        yield p
    finally:
        p.close()


# ---------------------------------------------------------------------------------------------- output
def _write(args: argparse.Namespace, text: str) -> None:
    if getattr(args, "format", None) != "json" and not text.lstrip().startswith(("{", "[")):
        text = escape_lines(text)  # output policy: no control character reaches a terminal (docs/security.md)
    out = getattr(args, "out", None)
    if out:
        with open(out, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)


def _note(args: argparse.Namespace, text: str) -> None:
    if not getattr(args, "quiet", False):
        sys.stderr.write(f"hkvatax: {escape_text(text)}\n")


def _csv_text(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    from .io.safe_csv import write_csv

    buf = io.StringIO()
    write_csv(buf, list(header), [list(r) for r in rows])
    return buf.getvalue()


def _assessment_csv(outcome: Assessment) -> str:
    """The flat result as CSV: one row per year, branch and figure, HKD to the cent."""
    from .money import fmt_cents
    from .render.labels import figure_label

    rows = []
    for label, ya in outcome.years.items():
        for name, branch in ya.branches.items():
            for key, fig in branch.figures.items():
                rows.append([label, name, key, figure_label(key), fmt_cents(fig.value), ya.status])
    return _csv_text(["year", "branch", "figure", "label", "hkd", "status"], rows)


def _comparison_csv(result: Comparison) -> str:
    from .money import fmt_cents
    from .render.labels import figure_label

    causes = {(d.year, d.branch, d.figure): ";".join(d.causes) for d in result.differences}
    rows = []
    for label in result.baseline.years:
        for branch, name, vb, ve in result.figures(label):
            diff = "" if vb is None or ve is None else fmt_cents(result.delta(vb, ve))
            rows.append([label, branch, name, figure_label(name), "" if vb is None else fmt_cents(vb),
                         "" if ve is None else fmt_cents(ve), diff, causes.get((label, branch, name), "")])
    return _csv_text(["year", "branch", "figure", "label", "baseline_hkd", "extension_hkd", "difference_hkd",
                      "causes"], rows)


def _render_assessment(outcome: Assessment, args: argparse.Namespace) -> str:
    if args.format == "csv":
        return _assessment_csv(outcome)
    e = outcome.explain(detail=getattr(args, "detail", "summary"))
    if args.format == "html":  # a whole page, styled, that a browser opens as it is
        from .render.html import page

        return page(f"hkvatax — {e.taxpayer}", e.to_html())
    return {"text": e.to_text, "markdown": e.to_markdown, "json": e.to_json}[args.format]()


def _render_comparison(result: Comparison, fmt: str) -> str:
    if fmt == "csv":
        return _comparison_csv(result)
    if fmt == "html":
        from .render.html import page

        return page(f"hkvatax compare — {result.scenario.taxpayer.name}", result.to_html())
    return {"text": result.to_text, "markdown": result.to_markdown, "json": result.to_json,
            "html": result.to_html}[fmt]()


# ---------------------------------------------------------------------------------------------- commands
def _load(args: argparse.Namespace) -> Any:
    from .io import load_any

    return load_any(args.file, profile=args.profile, default_tz=args.default_tz, allow_files=_allowed(args))


def _allowed(args: argparse.Namespace) -> list[str] | None:
    """The explicit allow-list of files a profile may name (--allow-file), or None: its own folder only."""
    allowed = getattr(args, "allow_file", None)
    return list(allowed) if allowed else None


def _state(args: argparse.Namespace) -> Any:
    """The closing state named by --state, or None."""
    path = getattr(args, "state", None)
    if not path:
        return None
    from .io.state import load_state

    return load_state(path)


def _close(args: argparse.Namespace) -> int:
    from .carry import close_year

    with _progress(args, "reading", "closing the year", "writing") as p:
        p.stage("reading")
        scenario = _load(args)
        state = _state(args)
        p.stage("closing the year")
        closed = close_year(scenario, args.year, state=state, extension_first_year=args.extension_first_year,
                            params=_params(args))
        p.stage("writing")
        _write(args, closed.to_json())
        _note(args, f"closed {closed.year}: {len(closed.pools)} pool entr{'y' if len(closed.pools) == 1 else 'ies'}"
                    f", {closed.event_count} event(s); start the next year with --state")
    return EXIT_OK


def _disposals(args: argparse.Namespace) -> int:
    from .engine import match_scenario
    from .render.disposals import disposals_csv, disposals_json, disposals_table

    with _progress(args, "reading", "matching lots", "writing") as p:
        p.stage("reading")
        scenario = _load(args)
        p.stage("matching lots")
        result = match_scenario(scenario, state=_state(args))
        p.stage("writing")
        render = {"table": disposals_table, "text": disposals_table, "json": disposals_json,
                  "csv": disposals_csv}[args.format]
        _write(args, render(result))
    return EXIT_OK


def _params(args: argparse.Namespace) -> ParamStore:
    """The shipped parameter tables, with the user's ``--params FILE`` laid over them if given."""
    from .io.params_file import load_params
    from .rules.params import default_params

    return load_params(args.params) if getattr(args, "params", None) else default_params()


def _csv_ledger(args: argparse.Namespace) -> bool:
    return bool(args.file.lower().endswith(".csv") and args.profile)


def _assess(args: argparse.Namespace) -> int:
    from .engine import assess

    with _progress(args, "reading", "assessing", "explaining and writing") as p:
        p.stage("reading")
        if _csv_ledger(args):  # read in chunks, matched as it is read
            from .engine import assess_csv

            p.stage("assessing")
            outcome = assess_csv(args.file, args.profile, args.year, regime=args.regime,
                                 extension_first_year=args.extension_first_year, params=_params(args),
                                 default_tz=args.default_tz, allow_files=_allowed(args), state=_state(args))
        else:
            scenario = _load(args)
            p.stage("assessing")
            outcome = assess(scenario, args.year, regime=args.regime, extension_first_year=args.extension_first_year,
                             params=_params(args), state=_state(args))
        p.stage("explaining and writing")
        if args.format == "json":  # written as a stream: at full detail no node of a disposal is held at once
            _stream_json(args, outcome)
        else:
            _write(args, _render_assessment(outcome, args))
    return EXIT_OK


def _stream_json(args: argparse.Namespace, outcome: Assessment) -> None:
    detail = getattr(args, "detail", "summary")
    out = getattr(args, "out", None)
    if out:
        with open(out, "w", encoding="utf-8", newline="") as fh:
            outcome.write_json(fh, detail=detail)
    else:
        outcome.write_json(sys.stdout, detail=detail)


def _compare(args: argparse.Namespace) -> int:
    from .compare import compare

    with _progress(args, "reading", "assessing both regimes", "writing") as p:
        p.stage("reading")
        if _csv_ledger(args):
            from .compare import compare_csv

            p.stage("assessing both regimes")
            result = compare_csv(args.file, args.profile, args.year, extension_first_year=args.extension_first_year,
                                 params=_params(args), default_tz=args.default_tz, allow_files=_allowed(args),
                                 state=_state(args))
        else:
            scenario = _load(args)
            p.stage("assessing both regimes")
            result = compare(scenario, args.year, extension_first_year=args.extension_first_year,
                             params=_params(args), state=_state(args))
        p.stage("writing")
        _write(args, _render_comparison(result, args.format))
    return EXIT_OK


def _report(args: argparse.Namespace) -> int:
    from .render.report import report_html

    with _progress(args, "reading", "assessing", "writing the report") as p:
        p.stage("reading")
        scenario = _load(args)
        p.stage("assessing")
        if args.format == "json":  # the report's content as data: both regimes' explanations and the comparison
            from .compare import compare

            c = compare(scenario, args.year, extension_first_year=args.extension_first_year, params=_params(args))
            text = json.dumps({"schema": "hkvatax.report/1", "comparison": c.to_dict(),
                               "baseline": json.loads(c.baseline.explain(detail="per_asset").to_json()),
                               "extension": json.loads(c.extension.explain(detail="per_asset").to_json())},
                              indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        else:
            text = report_html(scenario, args.year, extension_first_year=args.extension_first_year,
                               params=_params(args))
        p.stage("writing the report")
        _write(args, text)
    if args.out:
        _note(args, f"report written to {args.out}")
    return EXIT_OK


DEMO_EXAMPLES = ("individual_investor", "individual_trader", "corporation")
DEMO_COMPARISONS = ("family_office", "private_fund")


def _demo(args: argparse.Namespace) -> int:
    from .compare import compare
    from .engine import assess
    from .examples import example_path
    from .io import load_scenario

    docs: list[dict[str, Any]] = []
    chunks: list[str] = []
    csv_rows: list[str] = []
    for name in DEMO_EXAMPLES + DEMO_COMPARISONS:
        scenario = load_scenario(example_path(name))
        if args.format == "csv":  # one table for every example: both regimes side by side, to the cent
            lines = _comparison_csv(compare(scenario)).splitlines(keepends=True)
            csv_rows.append(("" if csv_rows else f"example,{lines[0]}") + "".join(f"{name},{ln}" for ln in lines[1:]))
            continue
        if name in DEMO_EXAMPLES:
            outcome = assess(scenario)
            if args.format == "json":
                docs.append({"example": name, "description": scenario.description, "kind": "assessment",
                             "result": json.loads(outcome.explain().to_json())})
                continue
            text = outcome.explain().to_html() if args.format == "html" else _render_assessment(outcome, args)
        else:
            result = compare(scenario)
            if args.format == "json":
                docs.append({"example": name, "description": scenario.description, "kind": "comparison",
                             "result": result.to_dict()})
                continue
            text = result.to_html() if args.format == "html" else _render_comparison(result, args.format)
        if args.format == "html":
            chunks.append(f"<h2>Example: {html.escape(name)} — {html.escape(scenario.description or '')}</h2>{text}")
            continue
        chunks.append("=" * 100 + f"\nExample: {name} — {scenario.description}\n" + "=" * 100 + "\n" + text + "\n")
    if args.format == "json":
        _write(args, json.dumps({"schema": "hkvatax.demo/1", "examples": docs}, indent=2, sort_keys=True,
                                ensure_ascii=False) + "\n")
    elif args.format == "csv":
        _write(args, "".join(csv_rows))
    elif args.format == "html":
        from .render.html import page

        _write(args, page("hkvatax demo", "".join(chunks)))
    else:
        _write(args, "".join(chunks))
    return EXIT_OK


SCHEMAS = ("scenario", "explanation", "comparison", "flat", "error", "state")


def _schema(args: argparse.Namespace) -> int:
    from .schemas import schema_json

    _write(args, schema_json(args.which))
    return EXIT_OK


def _import(args: argparse.Namespace) -> int:
    """Exchange exports, wallet CSVs and generic CSVs of one taxpayer → one generic CSV ledger, a rates CSV and a
    provenance table (docs/importers.md). Exit 0 when every row is used and every movement explained, 1 when
    the outputs were written but rows are listed, 2 for a usage error or ``--strict`` with anything listed."""
    from datetime import timedelta
    from decimal import Decimal, InvalidOperation

    from .io.sources import Source, import_sources

    try:
        sources = [Source.parse(spec) for spec in args.source or ()]
        if args.exchange or args.file:
            if not (args.exchange and args.file):
                raise ValueError("give FORMAT FILE together, or --source FORMAT:PATH[@ACCOUNT]")
            sources.insert(0, Source(args.exchange.lower(), Path(args.file), ""))
        tolerance = Decimal(args.fee_tolerance)
    except (ValueError, InvalidOperation) as exc:
        raise UsageError(f"hkvatax import: {exc}", problems=(
            Problem("invalid_argument", str(exc), SourceRef(path="hkvatax import"), None,
                    "see `hkvatax import --help`"),)) from None
    if not sources:
        raise UsageError("hkvatax import: give at least one --source FORMAT:PATH[@ACCOUNT] (or FORMAT FILE)")
    with _progress(args, "reading and pairing", "writing") as p:
        p.stage("reading and pairing")
        book = import_sources(sources, prices=args.prices or (), answers=args.answers, assume=args.assume or (),
                              window=timedelta(hours=args.window_hours), skew=timedelta(hours=args.skew_hours),
                              fee_tolerance=tolerance)
        p.stage("writing")
    if not args.quiet:
        sys.stderr.write("".join(f"hkvatax: {escape_text(line)}\n" for line in book.report().splitlines()))
    if args.strict and not book.ok:
        _note(args, "--strict: nothing written")
        return EXIT_USAGE
    if args.format == "json":
        def rows(text: str) -> list[dict[str, str]]:
            return list(csv.DictReader(io.StringIO(text)))

        _write(args, json.dumps({"schema": "hkvatax.import/1", "ok": book.ok, "ledger": rows(book.ledger_csv()),
                                 "rates": rows(book.rates_csv()), "provenance": rows(book.provenance_csv()),
                                 "report": book.report().splitlines()},
                                indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    else:
        _write(args, book.ledger_csv())
    if args.rates_out:
        _write_file(args.rates_out, book.rates_csv())
    elif book.rates:
        _note(args, f"{len(book.rates)} rates not written (give --rates-out FILE)")
    if args.provenance_out:
        _write_file(args.provenance_out, book.provenance_csv())
    return EXIT_OK if book.ok else EXIT_INPUT


def _write_file(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)


# ---------------------------------------------------------------------------------------------- parser
class _Parser(argparse.ArgumentParser):
    """An argument parser that raises :class:`UsageError` instead of printing and exiting."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}", problems=(
            Problem("invalid_argument", message, SourceRef(path=self.prog), None, f"see `{self.prog} --help`"),))


def _year(text: str) -> str:
    """An argparse type: a year of assessment or a range, checked before any file is read."""
    from .periods import parse_year_range

    try:
        parse_year_range(text)
    except ArgumentError as exc:
        problem = exc.problems[0]
        raise argparse.ArgumentTypeError(f"{problem.message}; {problem.suggestion or 'write it like 2025/26'}") \
            from None
    return text


#: The longest pairing window or clock skew ``import`` takes, in hours (ten years).
MAX_HOURS = 87_600


def _hours(text: str) -> float:
    """An argparse type: a finite, non-negative number of hours up to :data:`MAX_HOURS` (a NaN, an infinity or
    a negative window would break the pairing's time arithmetic)."""
    from .grammar import GrammarError, read_decimal  # the one number grammar (no 1_0, no non-ASCII digits)

    try:
        value = read_decimal(text)
    except GrammarError as exc:
        if exc.code == "not_a_number" and "finite" not in exc.message:  # NaN, infinities, huge: out of range
            raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a number of hours") from None
        value = Decimal(-1)
    if not 0 <= value <= MAX_HOURS:
        raise argparse.ArgumentTypeError(f"{text[:40]!r}: give hours from 0 to {MAX_HOURS}")
    return float(value)  # a duration for timedelta, not money


def _common(p: argparse.ArgumentParser, formats: Sequence[str], default: str) -> None:
    p.add_argument("--format", choices=list(formats), default=default, help=f"output format (default: {default})")
    p.add_argument("--out", help="write the output here (default: standard output)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress and no notes on standard error")


def _serve(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from .server import ServerSettings, create_app
    except ImportError as exc:  # the optional extra is not installed
        sys.stderr.write(f'hkvatax: the service needs the extra "server": pip install "hkvatax[server]" ({exc})\n')
        return 2
    settings = ServerSettings.from_env(workers=args.workers, max_body_bytes=args.max_body_bytes,
                                       timeout_seconds=args.timeout)
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level=args.log_level)
    return 0


def _batch(args: argparse.Namespace) -> int:
    try:
        from .batch import BatchOptions, run_batch
    except ImportError as exc:
        sys.stderr.write(f'hkvatax: batch needs the extra "dask": pip install "hkvatax[dask]" ({exc})\n')
        return 2
    options = BatchOptions(years=args.year, extension_first_year=args.extension_first_year,
                           regimes=tuple(args.regime or ["baseline"]), explain=args.explain, id_column=args.id_column,
                           buckets=args.buckets, summary_format=args.summary_format)
    report = run_batch(args.input, args.customers, args.out, options=options, scheduler=args.scheduler,
                       workers=args.workers, progress=not args.quiet)
    sys.stderr.write(f"hkvatax: {report}\n")
    return 0


def _input_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="JSON scenario, or CSV ledger (with --profile)")
    p.add_argument("--profile", help="profile (JSON/TOML) for a CSV ledger")
    p.add_argument("--allow-file", dest="allow_file", action="append", metavar="PATH",
                   help="a file or folder outside the profile's folder that the profile may name (e.g. its "
                        "rates_file); repeat for more. Default: only files inside the profile's folder")
    p.add_argument("--default-tz", dest="default_tz", help="zone for timestamps without one, e.g. Asia/Hong_Kong")


def _state_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--state", metavar="FILE",
                   help="start after a closed year: the state file `hkvatax close` wrote (its pools and losses; "
                        "the ledger's events up to the close are skipped)")


def _year_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--year", type=_year, help="year of assessment (2025/26), a range (2023/24..2025/26); default: all")
    p.add_argument("--extension-first-year", dest="extension_first_year", type=_year, default="2025/26",
                   help="first year the proposed extension applies to (an assumption; default 2025/26)")
    p.add_argument("--params", metavar="FILE",
                   help="your own parameter values (TOML, the format of the shipped tables, each with citation and "
                        "status), laid over the shipped tables; e.g. a new Budget's reduction for a future year")


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = _Parser(prog="hkvatax", description="Hong Kong profits tax on virtual assets, explained.",
                     epilog="Exit codes: 0 ok, 1 input problems, 2 usage errors, 3 internal error (docs/cli.md).")
    parser.add_argument("--version", action="version", version=f"hkvatax {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("disposals", help="every disposal with its HKD proceeds, cost, gain and matched lots")
    _input_arguments(p)
    _common(p, ["table", "text", "json", "csv"], "table")
    _state_argument(p)
    p.set_defaults(func=_disposals)

    p = sub.add_parser("assess", help="assess a taxpayer for one or more years of assessment, explained")
    _input_arguments(p)
    _year_arguments(p)
    _common(p, ["text", "markdown", "html", "json", "csv"], "text")
    p.add_argument("--regime", choices=["baseline", "va_extension"], default="baseline")
    p.add_argument("--detail", choices=["summary", "per_asset", "full"], default="summary")
    _state_argument(p)
    p.set_defaults(func=_assess)

    p = sub.add_parser("compare", help="baseline (law in force) vs the proposed VA extension, figure by figure")
    _input_arguments(p)
    _year_arguments(p)
    _common(p, ["text", "markdown", "html", "json", "csv"], "text")
    _state_argument(p)
    p.set_defaults(func=_compare)

    p = sub.add_parser("close", help="close a year of assessment: write its closing state (pools, losses, "
                                     "elections) for the next run's --state")
    _input_arguments(p)
    p.add_argument("--year", type=_year, required=True, help="the year of assessment to close, e.g. 2025/26")
    p.add_argument("--extension-first-year", dest="extension_first_year", type=_year, default="2025/26",
                   help="first year the proposed extension applies to, for the va_extension losses (2025/26)")
    p.add_argument("--params", metavar="FILE", help="your own parameter values (TOML), as for assess")
    _common(p, ["json"], "json")
    _state_argument(p)
    p.set_defaults(func=_close)

    p = sub.add_parser("report", help="one self-contained HTML report a client can be sent (printable to PDF)")
    _input_arguments(p)
    _year_arguments(p)
    _common(p, ["html", "json"], "html")
    p.set_defaults(func=_report)

    p = sub.add_parser("schema", help="print a JSON Schema: the scenario file, or an output format")
    p.add_argument("--which", choices=list(SCHEMAS), default="scenario")
    _common(p, ["json"], "json")
    p.set_defaults(func=_schema)

    p = sub.add_parser("import", help="exchange exports, wallet CSVs and generic CSVs of one taxpayer -> one generic "
                                      "CSV ledger, a rates CSV and a provenance table (docs/importers.md)")
    from .io.importers import IMPORTERS

    p.add_argument("exchange", metavar="format", nargs="?",
                   help="one export's format (or use --source): " + ", ".join(sorted(IMPORTERS)))
    p.add_argument("file", nargs="?", help="one export (or use --source)")
    p.add_argument("--source", action="append", metavar="FORMAT:PATH[@ACCOUNT]",
                   help="an export and the account or wallet it is of, e.g. binance-statement:bn.csv@binance-main; "
                        "FORMAT 'generic' is a generic CSV ledger; repeat for each file")
    p.add_argument("--prices", action="append", metavar="FILE", help="a price file (docs/formats.md); repeatable")
    p.add_argument("--answers", metavar="FILE", help="what unpaired deposits and withdrawals were (docs/importers.md)")
    p.add_argument("--assume", action="append", metavar="ID",
                   help="switch on a named rate convention: usdt_usd_par, usdc_usd_par, usd_hkd_7_80")
    p.add_argument("--rates-out", dest="rates_out", help="write the rates CSV (trade prices, price files, conventions)")
    p.add_argument("--provenance-out", dest="provenance_out", help="write what became of every input row")
    p.add_argument("--window-hours", dest="window_hours", type=_hours, default=72,
                   help="a deposit pairs with a withdrawal up to this many hours after it (72)")
    p.add_argument("--skew-hours", dest="skew_hours", type=_hours, default=1,
                   help="... or up to this many hours before it, for clocks that differ (1)")
    p.add_argument("--fee-tolerance", dest="fee_tolerance", default="0.02",
                   help="the largest network fee, as a share of the withdrawal, that pairing infers (0.02)")
    p.add_argument("--strict", action="store_true", help="write nothing unless every row is used and explained")
    _common(p, ["csv", "json"], "csv")
    p.set_defaults(func=_import)

    p = sub.add_parser("serve", help="run the web service (extra 'server'); docs/server.md")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, help="worker processes for the assessments (default 1; env HKVATAX_WORKERS)")
    p.add_argument("--max-body-bytes", dest="max_body_bytes", type=int,
                   help="largest request body, in bytes (default 64 MiB; env HKVATAX_MAX_BODY_BYTES)")
    p.add_argument("--timeout", type=float, help="seconds of work per request (default 60; env HKVATAX_TIMEOUT)")
    p.add_argument("--log-level", dest="log_level", default="info")
    p.set_defaults(func=_serve)

    p = sub.add_parser("batch", help="assess many taxpayers from partitioned input (extra 'dask'); docs/batch.md")
    p.add_argument("input", help="a folder (or file) of CSV or Parquet partitions with a taxpayer id column")
    p.add_argument("--customers", required=True, help="taxpayer facts: CSV or JSON lines, one row per taxpayer")
    p.add_argument("--out", required=True, help="output folder (a rerun resumes what is already written)")
    p.add_argument("--scheduler", help="a Dask scheduler address (tcp://host:8786); default: a local process pool")
    p.add_argument("--workers", type=int, default=None, help="local worker processes (default: the CPU count)")
    p.add_argument("--year", type=_year, help="year(s) of assessment (2025/26 or 2023/24..2025/26); default: all")
    p.add_argument("--extension-first-year", dest="extension_first_year", type=_year, default="2025/26")
    p.add_argument("--regime", action="append", choices=["baseline", "va_extension"],
                   help="regime(s) to assess (repeat; default: baseline)")
    p.add_argument("--explain", choices=["summary", "per_asset"], help="also write each taxpayer's explanation")
    p.add_argument("--id-column", dest="id_column", default="taxpayer_id")
    p.add_argument("--buckets", type=int, default=None, help="work units (default: one per input partition)")
    p.add_argument("--summary-format", dest="summary_format", choices=["parquet", "csv"], default="parquet")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_batch)

    p = sub.add_parser("demo", help="run the built-in examples and print their explained outcomes")
    _common(p, ["text", "markdown", "html", "json", "csv"], "text")
    p.set_defaults(func=_demo)
    return parser


# ---------------------------------------------------------------------------------------------- main
def _wants_json(argv: Sequence[str]) -> bool:
    for i, a in enumerate(argv):
        if a == "--format=json" or (a == "--format" and i + 1 < len(argv) and argv[i + 1] == "json"):
            return True
    return False


def _fail(exc: HkvataxError, code: int, as_json: bool, stream: TextIO | None = None) -> int:
    if as_json:
        doc = {**exc.to_dict(), "exit_code": code}
        sys.stdout.write(json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    elif isinstance(exc, (InputError, UsageError)):  # their text names every problem with its code
        (stream or sys.stderr).write(f"hkvatax: {escape_lines(str(exc))}\n")
    else:
        (stream or sys.stderr).write(f"hkvatax: [{exc.problems[0].code}] {escape_lines(str(exc))}\n")
    return code


def _os_problem(exc: OSError | UnicodeDecodeError, args: argparse.Namespace | None) -> InputError:
    file = getattr(args, "file", None)
    if isinstance(exc, UnicodeDecodeError):
        return InputError([Problem("bad_file", f"not UTF-8 text ({exc.reason})", SourceRef(file=file),
                                   suggestion="save the file as UTF-8")])
    name = getattr(exc, "filename", None) or file
    reason = exc.strerror or str(exc)
    return InputError([Problem("bad_file", f"cannot read or write {name}: {reason}", SourceRef(file=str(name)),
                               suggestion="check the path and its permissions")])


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 input problems, 2 usage, 3 internal error).

    Examples:
        >>> main(["--version"])
        hkvatax 0.1.0
        0
        >>> from hkvatax.examples import example_path
        >>> main(["assess", str(example_path("corporation")), "--year", "25/26"])  # a usage error: exit code 2
        2
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    as_json = _wants_json(argv)
    parser = build_parser()
    args: argparse.Namespace | None = None
    try:
        args = parser.parse_args(argv)
        func: Callable[[argparse.Namespace], int] = args.func
        return int(func(args))
    except SystemExit as exc:  # --help and --version print and exit 0
        return int(exc.code or 0)
    except UsageError as exc:
        return _fail(exc, EXIT_USAGE, as_json)
    except ArgumentError as exc:
        return _fail(exc, EXIT_USAGE, as_json)
    except InputError as exc:
        from .engine import further_problems

        more = further_problems(exc)
        return _fail(InputError([*exc.problems, *more]) if more else exc, EXIT_INPUT, as_json)
    except HkvataxError as exc:
        return _fail(exc, EXIT_INPUT, as_json)
    except BrokenPipeError:  # pragma: no cover - e.g. piped into head
        return EXIT_OK
    except (OSError, UnicodeDecodeError) as exc:
        return _fail(_os_problem(exc, args), EXIT_INPUT, as_json)
    except KeyboardInterrupt:  # pragma: no cover
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence: a bug, reported without a traceback
        err = HkvataxError(f"internal error ({type(exc).__name__}: {exc}); this is a bug in hkvatax, please report "
                           "it with the command that caused it",
                           problems=(Problem("invariant", f"{type(exc).__name__}: {exc}"),))
        return _fail(err, EXIT_INTERNAL, as_json)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

