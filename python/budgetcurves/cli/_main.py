"""``budgetcurves ingest | build | plot | run | export``."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from .. import __version__
from .._project import DEFAULT_DB, DbtError, build_command, run_dbt

EXIT_BAD_INPUT = 1
EXIT_USAGE = 2


class UserError(Exception):
    """A mistake in what the user asked for: printed as one line, no traceback."""


def _err(message: str) -> None:
    print(f"budgetcurves: error: {message}", file=sys.stderr)


def _connect(db: str, wait: float) -> duckdb.DuckDBPyConnection:
    """Open ``db`` for writing, waiting up to ``wait`` seconds for another writer."""
    deadline = time.monotonic() + wait
    # as profiles.yml gives dbt: bounded memory (a large load spills to <db>.tmp), and
    # no DuckDB progress bar in the middle of ours or of a cron job's log
    config = {"memory_limit": os.environ.get("BUDGETCURVES_MEMORY_LIMIT", "2GB")}
    while True:
        try:
            con = duckdb.connect(db, config=config)
            con.execute("set enable_progress_bar = false")
            return con
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise UserError(f"{db}: cannot open the database: {exc}") from None
            if time.monotonic() >= deadline:
                raise UserError(
                    f"{db}: the database is in use by another process (DuckDB allows one "
                    f"writer); waited {wait:g}s. Try again when it finishes."
                ) from None
            time.sleep(0.2)


# ----------------------------------------------------------------------------- commands


def cmd_ingest(args: argparse.Namespace) -> int:
    from ..ingest import ProgressBar, ingest

    # a bar only on a terminal; cron and CI get the one summary line
    bar = ProgressBar() if not (args.quiet or args.json) and sys.stderr.isatty() else None
    con = _connect(args.db, args.wait)
    try:
        summary = ingest(
            args.logs,
            con,
            full_refresh=args.full_refresh,
            prune=args.prune,
            on_progress=bar,
        )
    finally:
        if bar is not None:
            bar.close()
        con.close()
    for error in summary.errors:
        _err(str(error))
    if args.json:
        print(json.dumps(summary.as_dict()))
    elif not args.quiet:
        for note in summary.notes:
            print(f"budgetcurves: note: {note}", file=sys.stderr)
        print(summary.line())
    return EXIT_BAD_INPUT if summary.errors else 0


def _build_vars(args: argparse.Namespace) -> dict[str, Any]:
    variables: dict[str, Any] = {}
    if args.vars:
        try:
            import yaml

            parsed = yaml.safe_load(args.vars)
        except Exception as exc:  # yaml's errors vary; the message names the problem
            raise UserError(f"--vars: not a YAML/JSON mapping: {exc}") from None
        if not isinstance(parsed, dict):
            raise UserError(f"--vars: expected a mapping like '{{steps: 50}}', got {args.vars!r}")
        variables.update(parsed)
    for name, value in (("steps", args.steps), ("scale", args.scale), ("ci_level", args.ci)):
        if value is not None:
            variables[name] = value
    return variables


def cmd_build(args: argparse.Namespace) -> int:
    if not Path(args.db).exists():
        raise UserError(f"{args.db}: no such database (run `budgetcurves ingest` first)")
    command = build_command(unit_tests=args.unit_tests)
    run_dbt(command, db=args.db, variables=_build_vars(args), quiet=args.quiet)
    return 0


def cmd_plot(args: argparse.Namespace) -> int:
    from ..plot import read_scores, scores_by_limit

    out = Path(args.out)
    if out.suffix.lower() == ".html":
        return _plot_html(args, out)
    if out.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise UserError(
            f"--out {out}: the file must end in .png, .svg or .pdf, or .html for a page"
        )
    try:
        frame = read_scores(args.db, limit=args.limit, facet=args.facet)
        plot = scores_by_limit(
            frame, title=args.title, width=args.width, height=args.height, dpi=args.dpi
        )
    except (ValueError, FileNotFoundError) as exc:
        raise UserError(str(exc)) from None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        plot.save(out, verbose=False)
    except OSError as exc:
        raise UserError(f"--out {out}: cannot write: {exc.strerror or exc}") from None
    if not args.quiet:
        print(f"plot: wrote {out}")
    return 0


def _plot_html(args: argparse.Namespace, out: Path) -> int:
    """Every limit of the mart on one offline page (a selector picks the limit)."""
    from ..plot._html import write_report

    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        figures = write_report(args.db, out, facet=args.facet, title=args.title)
    except (ValueError, FileNotFoundError) as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"--out {out}: cannot write: {exc.strerror or exc}") from None
    if not args.quiet:
        print(f"plot: wrote {out} ({figures} figures)")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from ..plot._data import export_scores

    out = Path(args.out)
    try:
        rows = export_scores(args.db, out)
    except (ValueError, FileNotFoundError) as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"--out {out}: cannot write: {exc.strerror or exc}") from None
    if not args.quiet:
        print(f"export: wrote {rows} rows of scores_by_limit to {out}")
    return 0


def build_compiled(args: argparse.Namespace) -> None:
    """What ``cmd_build`` builds (models, seeds, data tests), from the SQL dbt compiled
    for these vars and this database (cached), executed by DuckDB in this process."""
    from .._compiled import compiled_plan, database_name

    plan = compiled_plan(_build_vars(args), database_name(args.db))
    con = _connect(args.db, args.wait)
    try:
        plan.execute(con)
    finally:
        con.close()


def cmd_run(args: argparse.Namespace) -> int:
    status = cmd_ingest(args)
    build_compiled(args)
    cmd_plot(args)
    return status


# ----------------------------------------------------------------------------- parser


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="budgetcurves",
        description="Success rate as a function of a resource budget, from Inspect logs.",
    )
    parser.add_argument("--version", action="version", version=f"budgetcurves {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def db_option(p: argparse.ArgumentParser, required: bool = True) -> None:
        if required:
            p.add_argument("--db", required=True, help="DuckDB file")
        else:
            p.add_argument(
                "--db",
                default=DEFAULT_DB,
                help=f"DuckDB file (default: {DEFAULT_DB} in the working directory)",
            )
        p.add_argument("--quiet", action="store_true", help="print errors only")

    def ingest_options(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "logs",
            nargs="+",
            metavar="LOGS",
            help=".eval/.json logs, directories of them, or a samples_df export (.parquet/.csv)",
        )
        p.add_argument("--full-refresh", action="store_true", help="re-read every log")
        p.add_argument(
            "--prune",
            action="store_true",
            help="remove the samples of loaded logs that are gone from LOGS (kept by default)",
        )
        p.add_argument(
            "--wait",
            type=float,
            default=60.0,
            help="seconds to wait for another writer (default 60)",
        )
        p.add_argument("--json", action="store_true", help="print the summary as JSON")

    def build_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--steps", type=int, help="thresholds per limit (default 100)")
        p.add_argument("--scale", choices=["auto", "log", "linear"], help="grid spacing")
        p.add_argument("--ci", type=float, help="confidence level of the band (default 0.95)")
        p.add_argument("--vars", help="more dbt vars, as YAML/JSON: '{scorer: match}'")
        p.add_argument(
            "--unit-tests",
            action="store_true",
            help="run dbt's unit tests of the SQL as well (a plain `dbt build` does)",
        )

    def plot_options(p: argparse.ArgumentParser, out_required: bool = True) -> None:
        p.add_argument(
            "--out",
            required=out_required,
            help="output file: .png, .svg, .pdf, or .html (every limit, interactive)",
        )
        p.add_argument("--limit", help="total_tokens (default), total_time, working_time, ...")
        p.add_argument("--title")
        p.add_argument("--width", type=float, default=700, help="pixels (default 700)")
        p.add_argument("--height", type=float, help="pixels (default width / 1.618)")
        p.add_argument("--dpi", type=float, default=100, help="dots per inch (default 100)")
        p.add_argument(
            "--facet", help="a faceting of the mart to draw a panel per value of (task_name, ...)"
        )

    p = sub.add_parser("ingest", help="load logs into the landing tables")
    db_option(p)
    ingest_options(p)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("build", help="run dbt build with the options as vars")
    db_option(p)
    build_options(p)
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("plot", help="draw the mart")
    db_option(p)
    plot_options(p)
    p.set_defaults(func=cmd_plot)

    p = sub.add_parser("export", help="write the scores_by_limit mart to .csv or .parquet")
    db_option(p)
    p.add_argument("--out", required=True, help="output file: .csv or .parquet")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("run", help="ingest + build + plot")
    db_option(p, required=False)
    ingest_options(p)
    build_options(p)
    plot_options(p)
    p.set_defaults(func=cmd_run)
    return parser


def _stop_helper_processes() -> None:
    """Stop multiprocessing's resource tracker, which dbt starts, and wait for it:
    left to notice our exit, it outlives the command (a zombie until reaped), and a
    command returns with nothing of its own still running."""
    import multiprocessing.resource_tracker as tracker

    stop = getattr(tracker._resource_tracker, "_stop", None)  # Python >= 3.11
    if stop is not None and getattr(tracker._resource_tracker, "_pid", None) is not None:
        stop()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    finally:
        _stop_helper_processes()


def _run(args: argparse.Namespace) -> int:
    try:
        return args.func(args)
    except UserError as exc:
        _err(str(exc))
        return EXIT_USAGE
    except DbtError as exc:
        _err(f"{exc} (dbt's output above says why)")
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
