"""The ``figure`` and ``report`` subcommands: a study's figures and report rebuilt from a script.

    casebook figure --db PATH --endpoint os|efs|NAME [--group-by FIELD] [--where FIELD=VALUE ...]
        [--style NAME] [--kind km|cif|swimmer|timeline] --out FILE.{pdf,eps,svg,png,tiff} [--dpi N]
        [--width-mm W] [--height-mm H] [--caption] [--overwrite]
    casebook report --db PATH --out FILE.pdf [--endpoint ...] [--group-by ...] [--where ...] [--style NAME]

Both draw in the study's figure style (the style in use, or ``--style NAME``, stored in the database).
A bad argument exits with status 2 and one line naming the argument and the rule; an existing output
is never overwritten without ``--overwrite``; the database is never an output. Only light modules
are imported at module level (main.py builds its parser from here at every start-up).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

EXIT_BAD_ARGUMENT = 2
KINDS = ("km", "cif", "swimmer", "timeline")
SUFFIXES = (".pdf", ".eps", ".svg", ".png", ".tiff", ".tif")
DPIS = (300, 600, 1200)
MAX_LANES = 150  # as the Timeline tab: the first cases by study ID


class FigureCommandError(Exception):
    """A bad request; the message is one line naming the argument and the rule."""


def _common(p: Any, out_help: str) -> None:
    p.add_argument("--db", type=Path, default=argparse.SUPPRESS, help="database file (read only)")
    p.add_argument("--endpoint", default=None, help="os (default), efs, efs-tf or your own definition's name")
    p.add_argument("--group-by", dest="group_by", metavar="FIELD", help="compare the groups of a field")
    p.add_argument("--where", action="extend", nargs="+", default=[], metavar="FIELD=VALUE",
                   help="population filter, e.g. best_response=CR,CRi (several: all must hold)")
    p.add_argument("--unit", default="months", help="days, weeks, months (default) or years")
    p.add_argument("--conf-type", dest="conf_type", default="log", help="CI transform: log (R), log-log, plain")
    p.add_argument("--conf-level", dest="conf_level", default="0.95", metavar="LEVEL",
                   help="confidence level of every interval, e.g. 0.90, 0.95 (default) or 0.99")
    p.add_argument("--style", metavar="NAME", help="a figure style saved in the study (default: the style in use)")
    p.add_argument("--out", type=Path, help=out_help)
    p.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    from storage.safety.encryption import add_passphrase_option

    add_passphrase_option(p)


def add_parsers(sub: Any) -> None:
    fig = sub.add_parser("figure", help="write one figure (KM, cumulative incidence, swimmer, timeline) in the study's style",
                         description="A journal figure in the study's figure style: PDF/EPS with TrueType fonts, SVG "
                                     "with text, TIFF (RGB, LZW) or PNG at the chosen dpi and size.")
    _common(fig, "output file: .pdf, .eps, .svg, .png or .tiff")
    fig.add_argument("--kind", default="km", help="km (default), cif, swimmer or timeline")
    fig.add_argument("--dpi", default=None, help="300, 600 or 1200 (default: the style's, 300)")
    fig.add_argument("--width-mm", dest="width_mm", default=None, help="width in mm (85, 114, 174 or 30 to 500)")
    fig.add_argument("--height-mm", dest="height_mm", default=None, help="height in mm (default: from the width)")
    fig.add_argument("--caption", action="store_true", help="print the conventions line into the image")
    rep = sub.add_parser("report", help="write the analysis report (PDF) in the study's figure style",
                         description="The analysis report PDF, its figures in the study's figure style.")
    _common(rep, "output file: .pdf")
    rep.add_argument("--at", action="extend", nargs="+", default=[], metavar="T",
                     help="landmark time(s) for the results table (default 12 36 months)")
    rep.add_argument("--covariates", action="extend", nargs="+", default=[], metavar="FIELD",
                     help="Cox and Fine–Gray covariates beside --group-by (as in analyze)")
    rep.add_argument("--reference", action="append", default=[], metavar="LEVEL",
                     help="reference level of the grouping (or FIELD=LEVEL for a covariate), as in analyze")


def _number(name: str, text: str | None, low: float, high: float) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        raise FigureCommandError(f"{name} takes a number from {low:g} to {high:g}, not '{text}'.") from None
    if not low <= value <= high:
        raise FigureCommandError(f"{name} takes a number from {low:g} to {high:g}, not '{text}'.")
    return value


def _dpi(text: str | None) -> int | None:
    """300, 600 or 1200; anything else (a word, 3000, 450, 300.5) gets that one rule."""
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if value not in DPIS:
        raise FigureCommandError(f"--dpi must be 300, 600 or 1200, not '{text}'.")
    return int(value)


def _check_output(args: argparse.Namespace, suffixes: tuple[str, ...]) -> Path:
    db = getattr(args, "db", None)
    if db is None:
        raise FigureCommandError("--db PATH is required (the study's database, only read).")
    if not Path(db).is_file():
        raise FigureCommandError(f"--db: no database file at {db}.")
    out: Path | None = args.out
    if out is None:
        raise FigureCommandError(f"--out FILE is required ({', '.join(s for s in suffixes if s != '.tif')}).")
    if out.suffix.lower() not in suffixes:
        raise FigureCommandError(f"--out must end in {', '.join(s for s in suffixes if s != '.tif')}, not '{out.name}'.")
    if out.resolve() == Path(db).resolve() or (out.exists() and out.samefile(db)):
        raise FigureCommandError("--out is the database itself: the database is never an output.")
    if out.exists() and not args.overwrite:
        raise FigureCommandError(f"--out {out} exists; add --overwrite to replace it.")
    if not out.parent.exists():
        raise FigureCommandError(f"--out: the folder {out.parent} does not exist.")
    return out


def _style(database: Any, name: str | None) -> Any:
    from analysis.rendering.figure_style import StyleError
    from analysis.rendering.style_store import IN_USE, load_style

    try:
        with database.session() as session:
            return load_style(session, name or IN_USE)
    except StyleError as exc:
        raise FigureCommandError(str(exc)) from None


def _population(args: argparse.Namespace, database: Any) -> tuple[Any, list[Any], list[Any]]:
    """(inputs, conditions, the cases meeting every --where condition): the cases an analysis selects
    before any endpoint is derived."""
    from analysis.command import load_inputs
    from analysis.statistics.cohort import CohortError, Condition, fields_for, select_population

    try:
        conditions = [Condition.parse(w) for w in args.where]
    except CohortError as exc:
        raise FigureCommandError(f"--where: {exc}") from None
    inputs = load_inputs(database)
    try:
        population, _excluded = select_population(inputs.summaries, conditions, fields_for(inputs.custom_kinds))
    except CohortError as exc:
        raise FigureCommandError(f"--where: {exc}") from None
    if not population:
        raise FigureCommandError(f"--where: no case meets {' and '.join(args.where)}.")
    return inputs, conditions, population


def _analysis(args: argparse.Namespace, database: Any, at: list[float]) -> Any:
    """The analysis, each refusal naming the argument it is about (--endpoint, --group-by, --where)."""
    from analysis.command import CONF_TYPES, UNITS
    from analysis.statistics.cohort import CohortError, analyze_cohort, fields_for, resolve_field

    if args.unit not in UNITS:
        raise FigureCommandError(f"--unit must be {', '.join(UNITS)}, not '{args.unit}'.")
    if args.conf_type not in CONF_TYPES:
        raise FigureCommandError(f"--conf-type must be {', '.join(CONF_TYPES)}, not '{args.conf_type}'.")
    inputs, conditions, _population_cases = _population(args, database)
    endpoint = args.endpoint or "os"
    rule = inputs.rules.get(endpoint)
    if rule is None:
        raise FigureCommandError(f"--endpoint: unknown endpoint '{endpoint}'; this database defines: "
                                 f"{', '.join(inputs.rules)}.")
    if args.group_by:
        try:
            resolve_field(args.group_by, fields_for(inputs.custom_kinds))
        except CohortError as exc:
            raise FigureCommandError(f"--group-by: {exc}") from None
    from analysis.command import AnalyzeError, _parse_conf_level

    try:
        conf_level = _parse_conf_level(args.conf_level)
    except AnalyzeError as exc:
        raise FigureCommandError(str(exc)) from None
    try:
        return analyze_cohort(inputs.summaries, rule, unit=args.unit, where=conditions, group_by=args.group_by,
                              at=at, conf_type=args.conf_type, conf_level=conf_level,
                              custom_kinds=inputs.custom_kinds)
    except (CohortError, ValueError) as exc:  # the population has no value for the endpoint
        raise FigureCommandError(f"--endpoint: {exc}") from None


NOT_USED = {"cif": ("endpoint", "group_by"), "swimmer": ("endpoint", "group_by"),
            "timeline": ("endpoint", "group_by")}  # cif: relapse and non-relapse mortality, never grouped


def _refuse_unused(args: argparse.Namespace) -> None:
    for name in NOT_USED.get(args.kind, ()):
        if getattr(args, name) is not None:
            raise FigureCommandError(f"--{name.replace('_', '-')} is not used with --kind {args.kind}.")


def _open(args: argparse.Namespace) -> Any:
    from storage.database import DatabaseError, open_database
    from storage.safety.encryption import unlock_for_command

    try:
        unlock_for_command(Path(args.db), getattr(args, "passphrase_prompt", False))  # remembered for analyze too
        return open_database(Path(args.db), backup=False)  # only read: no backup copy
    except DatabaseError as exc:
        raise FigureCommandError(f"--db: {exc}") from None


def make_figure(args: argparse.Namespace) -> Path:
    """Validate, draw and write the figure; returns the file written."""
    if args.kind not in KINDS:
        raise FigureCommandError(f"--kind must be one of {', '.join(KINDS)}, not '{args.kind}'.")
    out = _check_output(args, SUFFIXES)
    _refuse_unused(args)
    dpi = _dpi(args.dpi)
    width = _number("--width-mm", args.width_mm, 30, 500)
    height = _number("--height-mm", args.height_mm, 20, 500)
    database = _open(args)
    try:
        style = _style(database, args.style)
        changes: dict[str, Any] = {"caption": bool(args.caption) or style.caption}
        if dpi is not None:
            changes["dpi"] = int(dpi)
        if width is not None:
            changes["timeline_width_mm" if args.kind in ("swimmer", "timeline") else "width_mm"] = width
        if height is not None:
            changes["height_mm"] = height
        style = style.changed(**changes)
        from analysis.rendering.figure_files import build_figure, write_figure

        if args.kind in ("km", "cif"):
            result = _analysis(args, database, list(style.landmark_times))
            fig, _caption = build_figure(args.kind, style, result=result)
        else:
            from storage.views.timelines import load_timelines

            if args.unit not in ("days", "weeks", "months", "years"):
                raise FigureCommandError(f"--unit must be days, weeks, months or years, not '{args.unit}'.")
            ids = [c.case_id for c in _population(args, database)[2]] if args.where else None
            with database.session() as session:
                timelines = load_timelines(session, ids, limit=MAX_LANES)
            fig, _caption = build_figure(args.kind, style, timelines=timelines, unit=args.unit)
        return write_figure(fig, out, style.dpi)
    finally:
        database.close()


def report_stamps(database: Any) -> tuple[str | None, str | None]:
    """The latest data freeze's label and the audit trail's head, the head recorded in the anchor journal as a
    report (verify later finds the entry again, or says the trail was rewritten)."""
    from storage.safety.anchors import record_anchor
    from storage.safety.freeze import freeze_label

    with database.session() as session:
        label: str | None = freeze_label(session)
    head = record_anchor(database.path, "report")
    return label, None if head is None else head.line()


def make_report(args: argparse.Namespace) -> Path:
    out = _check_output(args, (".pdf",))
    try:
        at = [float(t) for t in args.at] or [12.0, 36.0]
    except ValueError:
        raise FigureCommandError(f"--at takes times as numbers, not '{' '.join(args.at)}'.") from None
    database = _open(args)
    try:
        style = _style(database, args.style)
        result = _analysis(args, database, at)
        from analysis.command import load_inputs
        from analysis.rendering.report import ReportContext, write_report

        inputs = load_inputs(database)
        freeze, head = report_stamps(database)
        context = ReportContext(title=inputs.title, freeze_label=freeze, trail_head=head,
                                definitions=tuple(inputs.rules.values()), custom_kinds=inputs.custom_kinds,
                                covariates=tuple(args.covariates), reference=tuple(args.reference))
        return write_report(out, result, context, style=style)
    finally:
        database.close()


def run(args: argparse.Namespace) -> int:
    from analysis.rendering.figure_style import StyleError
    from analysis.rendering.journal_files import ExportError

    try:
        written = make_figure(args) if args.command == "figure" else make_report(args)
    except (FigureCommandError, StyleError, ExportError) as exc:
        print(f"casebook {args.command}: {exc}", file=sys.stderr)
        return EXIT_BAD_ARGUMENT
    print(f"Wrote {written}")
    return 0
