"""The ``analyze`` subcommand: the Analysis tab's numbers on the command line, as a fixed JSON contract.

    casebook analyze --db PATH --endpoint os|efs|NAME [--unit days|weeks|months|years]
        [--group-by FIELD [--reference LEVEL]] [--covariates FIELD ...] [--where FIELD=VALUE ...] [--at T ...]
        [--conf-type log|log-log|plain] [--conf-level 0.95] [--json]

JSON numbers are never rounded (analysis.json_output; every key in docs/analysis-json.md); the text
rounds for reading. A missing median or CI limit carries its status ("not_reached", "not_estimable"). A bad
argument exits with status 2 and one line on stderr, never a traceback. Only light modules are
imported at module level: main.py builds its parser from here at every start-up.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from analysis.statistics.cohort import CohortResult
    from analysis.statistics.endpoints import EndpointRule
    from analysis.statistics.hazards.models import ModelResults
    from storage.database import Database

UNITS = ("days", "weeks", "months", "years")
# The fields of analysis.statistics.cohort.FIELDS, written out here so that --help needs no numpy
# (tests/cli/test_cli_analyze.py keeps the two lists equal).
FIELD_HELP = (
    "Fields for --group-by and --where: sex (f, m), age (a number: Table 1 only), diagnosis (ALL, AML, MPAL, "
    "T-LBL, other), subtype, disease_status (refractory, relapse), status (e.g. 'first relapse'), "
    "relapse_number, high_risk_cytogenetics, prior_hsct, best_response (CR, CRi, PR, NR), responder "
    "(CR or CRi), treatment_failure, transplant_after_salvage, transplant_donor, relapse_after_salvage, "
    "vital_status (alive, dead), death_cause (disease, therapy, other); yes/no fields take yes or no. "
    "Your custom fields by their name (or custom:NAME). --where best_response=CR,CRi means either value; "
    "several --where conditions must all hold."
)
CONF_TYPES = ("log", "log-log", "plain")
EXIT_BAD_ARGUMENT = 2


class AnalyzeError(Exception):
    """A bad request; the message is one line for the user."""


def add_parser(sub: Any) -> None:
    """Register ``analyze`` on main.py's subparsers (choices are checked here, for one-line errors)."""
    p = sub.add_parser("analyze", help="survival analysis of an endpoint (Kaplan–Meier, log-rank, Cox, competing "
                                       "risks), as text or JSON",
                       description="Kaplan–Meier medians and landmarks (R survfit conventions), log-rank by group; "
                                   "with --group-by or --covariates a Cox model (coxph, Efron ties), Gray's test and "
                                   "Fine–Gray models (cmprsk) for relapse and non-relapse mortality. JSON keys: "
                                   "docs/analysis-json.md.",
                       epilog=FIELD_HELP)
    p.add_argument("--db", type=Path, default=argparse.SUPPRESS, help="database file")
    p.add_argument("--endpoint", help="os, efs, efs-tf or the name of your own endpoint definition")
    p.add_argument("--unit", default="months", help="days, weeks, months (default; 30.4375 days) or years")
    p.add_argument("--group-by", dest="group_by", metavar="FIELD", help="compare the groups of a field")
    p.add_argument("--where", action="extend", nargs="+", default=[], metavar="FIELD=VALUE",
                   help="population filter, e.g. best_response=CR (several: all must hold; a,b: any of)")
    p.add_argument("--at", action="extend", nargs="+", default=[], metavar="T", help="landmark time(s)")
    p.add_argument("--conf-type", dest="conf_type", default="log", help="CI transform: log (R), log-log, plain")
    p.add_argument("--conf-level", dest="conf_level", default="0.95",
                   help="confidence level of every CI, e.g. 0.90, 0.95 (default), 0.99")
    p.add_argument("--covariates", action="extend", nargs="+", default=[], metavar="FIELD",
                   help="Cox and Fine–Gray models on these fields (with the --group-by field first)")
    p.add_argument("--reference", action="append", default=[], metavar="LEVEL",
                   help="reference level of the grouping field (or FIELD=LEVEL for a covariate); default: the "
                        "first level in sorted order, as R")
    p.add_argument("--no-models", dest="no_models", action="store_true",
                   help="leave out the Cox, Gray and Fine–Gray models (only Kaplan–Meier, log-rank and the tables)")
    p.add_argument("--json", action="store_true", help="print one JSON object (every number unrounded)")
    from storage.safety.encryption import add_passphrase_option

    add_passphrase_option(p)


@dataclass(frozen=True)
class AnalysisInputs:
    """Everything an analysis reads from the database, loaded once (one query per table)."""

    summaries: tuple[Any, ...]
    rules: dict[str, EndpointRule]
    custom_kinds: dict[str, str]
    title: str | None = None


def load_inputs(database: Database) -> AnalysisInputs:
    from sqlalchemy import select

    from analysis.statistics.endpoints import EndpointRule
    from storage.record.endpoint_definitions import list_definitions
    from storage.record.models import CustomField, StudyInfo
    from storage.views.summaries import load_summaries

    with database.session() as session:
        summaries = tuple(load_summaries(session))
        rules = {d.name: EndpointRule.from_definition(d) for d in list_definitions(session)}
        kinds = {name: kind for name, kind in session.execute(select(CustomField.name, CustomField.kind))}
        title = session.scalar(select(StudyInfo.value).where(StudyInfo.key == "title"))
    return AnalysisInputs(summaries, rules, kinds, title)


def _parse_times(raw: list[str]) -> list[float]:
    out = []
    for text in raw:
        try:
            value = float(text)
        except ValueError:
            raise AnalyzeError(f"--at takes times as numbers, not '{text}'.") from None
        if not math.isfinite(value) or value < 0:
            raise AnalyzeError(f"--at takes non-negative times, not '{text}'.")
        out.append(value)
    return out


def _parse_conf_level(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise AnalyzeError(f"--conf-level takes a number between 0 and 1 (e.g. 0.95), not '{text}'.") from None
    if not 0.5 <= value < 1.0:
        raise AnalyzeError(f"--conf-level must be at least 0.5 and below 1 (e.g. 0.90, 0.95, 0.99), not '{text}'.")
    return value


def result_json(result: CohortResult, models: ModelResults | None = None) -> dict[str, Any]:
    """The JSON contract (issue 4's keys, and issue 13's additions), at full precision."""
    from analysis.json_output import result_json as build

    return build(result, models)


def _pct(x: float | None) -> str:
    from analysis.statistics.numbers import percent

    return "n/a" if x is None else percent(x)


def result_text(result: CohortResult, models: ModelResults | None = None) -> str:
    """The same numbers as a readable table that names its conventions."""
    from analysis.statistics.numbers import p_text

    unit = result.unit
    pct = f"{100 * result.conf_level:g}%"
    lines = [result.rule.describe(), f"Population: {result.population_text()}", ""]
    head = f"{'group':<16}{'n':>5}{'events':>8}{'censored':>10}  median ({pct} CI), {unit}"
    lines += [head, "-" * len(head)]
    for g in result.groups:
        lo, hi = g.median.limit_texts(2, short=True, unit=unit)
        lines.append(f"{g.label:<16}{g.n:>5}{g.events:>8}{g.censored:>10}  "
                     f"{g.median.median_text(2, short=True, unit=unit)} ({lo} to {hi})")
    if any(g.landmarks for g in result.groups):
        lines += ["", f"{'group':<16}{'time':>8}{'S(t)':>9}  {pct + ' CI':<18}{'at risk':>8}{'events':>8}{'censored':>10}"]
        for g in result.groups:
            for lm in g.landmarks:
                ci = f"{_pct(lm.ci_lower)} to {_pct(lm.ci_upper)}"
                lines.append(f"{g.label:<16}{lm.time:>8g}{_pct(lm.survival):>9}  {ci:<18}"
                             f"{lm.n_at_risk:>8}{lm.n_events:>8}{lm.n_censored:>10}")
    if result.logrank is not None:
        lr = result.logrank
        lines += ["", f"Log-rank test ({result.group_label}): chi-square {lr.chisq:.3f}, df {lr.df}, {p_text(lr.p)}"
                  + (f" ({lr.reason})" if lr.reason else "")]
    lines += ["", f"Median follow-up (reverse Kaplan–Meier): {result.overall.follow_up_text(unit)}"]
    if models is not None and models.asked:
        from analysis.statistics.hazards.model_text import models_lines

        lines += ["", *models_lines(models)]
    lines += ["", "NR = not reached; NE = not estimable. Conventions: " + result.conventions()]
    lines += [f"Warning: {w}" for w in result.warnings]
    lines += [f"Not analysed: {x.study_id}: {x.reason}" for x in result.excluded]
    return "\n".join(lines)


def analyze(args: argparse.Namespace) -> CohortResult:
    """Validate the arguments, load the database once and run the analysis."""
    from analysis.statistics.cohort import CohortError, Condition, analyze_cohort
    from storage.database import DatabaseError, open_database

    db_path = getattr(args, "db", None)
    if db_path is None:
        raise AnalyzeError("--db PATH is required (the database to analyse).")
    if not args.endpoint:
        raise AnalyzeError("--endpoint is required (os, efs, efs-tf or your own definition's name).")
    if args.unit not in UNITS:
        raise AnalyzeError(f"Unknown unit '{args.unit}'; use {', '.join(UNITS)}.")
    if args.conf_type not in CONF_TYPES:
        raise AnalyzeError(f"Unknown --conf-type '{args.conf_type}'; use {', '.join(CONF_TYPES)}.")
    times = _parse_times(args.at)
    conf_level = _parse_conf_level(args.conf_level)
    try:
        conditions = [Condition.parse(w) for w in args.where]
        from storage.safety.encryption import unlock_for_command

        unlock_for_command(Path(db_path), getattr(args, "passphrase_prompt", False))
        # an analysis only reads: no backup copy on opening, and an older schema is never upgraded
        database = open_database(Path(db_path), backup=False, upgrade_schema=False)
    except (CohortError, DatabaseError) as exc:
        raise AnalyzeError(str(exc)) from None
    try:
        inputs = load_inputs(database)
    finally:
        database.close()
    rule = inputs.rules.get(args.endpoint)
    if rule is None:
        known = ", ".join(inputs.rules)
        raise AnalyzeError(f"Unknown endpoint '{args.endpoint}'; this database defines: {known}.")
    try:
        return analyze_cohort(
            inputs.summaries, rule, unit=args.unit, where=conditions, group_by=args.group_by, at=times,
            conf_type=args.conf_type, conf_level=conf_level, custom_kinds=inputs.custom_kinds,
        )
    except (CohortError, ValueError) as exc:
        raise AnalyzeError(str(exc)) from None


def models_for(result: CohortResult, args: argparse.Namespace) -> ModelResults:
    """Cox, Gray and Fine–Gray for --group-by / --covariates / --reference (none when not asked)."""
    from analysis.statistics.cohort import CohortError
    from analysis.statistics.hazards.models import ModelResults, analyse_models

    if getattr(args, "no_models", False):
        if getattr(args, "covariates", []):
            raise AnalyzeError("--no-models leaves out the models that --covariates asks for; use one of them.")
        return ModelResults((), ())
    try:
        return analyse_models(result, getattr(args, "covariates", []), getattr(args, "reference", []))
    except (CohortError, ValueError) as exc:
        raise AnalyzeError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    try:
        result = analyze(args)
        models = models_for(result, args)
    except AnalyzeError as exc:
        print(f"casebook analyze: {exc}", file=sys.stderr)
        return EXIT_BAD_ARGUMENT
    if args.json:
        print(json.dumps(result_json(result, models)))
    else:
        print(result_text(result, models))
    return 0
