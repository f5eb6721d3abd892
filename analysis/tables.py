"""Table 1 (patient characteristics), the per-patient table and the rates, computed from the records.

Categories are n (%) with whole percentages rounded half up (5/8 = 63%, as the article prints
it); numbers are median (range). Rates carry exact Clopper–Pearson CIs. Every table carries a
note naming its conventions, written under it on screen, in the report and in the exports.
"""

from __future__ import annotations

import csv
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis.cohort import MISSING, Field, fields_for
from analysis.endpoints import EVENT_FREE_SURVIVAL, OVERALL_SURVIVAL, EndpointRule, derive
from analysis.proportions import CP_METHOD, Proportion, clopper_pearson
from storage import codes

#: The variables of Table 1, in the article's order (custom fields follow).
TABLE1_FIELDS: tuple[str, ...] = (
    "age", "sex", "diagnosis", "status", "high_risk_cytogenetics", "prior_hsct", "best_response",
    "transplant_after_salvage",
)


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str = ""


def percent(k: int, n: int) -> str:
    """Whole percent, half up (62.5 -> 63), as journals print it."""
    return "–" if n == 0 else f"{math.floor(100 * k / n + 0.5)}%"


def _num(x: float) -> str:
    return f"{x:.1f}"


def _median_range(values: Sequence[float]) -> str:
    if not values:
        return "–"
    return f"{_num(statistics.median(values))} ({_num(min(values))}–{_num(max(values))})"


def _column(cases: Sequence[Any], f: Field) -> list[tuple[str, str]]:
    """(row label, cell) pairs for one variable over one column of cases."""
    n = len(cases)
    counts: dict[str, int] = {}
    for c in cases:
        value = f.value(c) or MISSING
        counts[value] = counts.get(value, 0) + 1
    return [(f"  {f.display(v) if v != MISSING else MISSING}", f"{k} ({percent(k, n)})") for v, k in counts.items()]


def _levels(cases: Sequence[Any], f: Field) -> list[str]:
    """Row labels of a categorical variable in a stable order: code order, then alphabetical."""
    seen = {f.value(c) or MISSING for c in cases}
    ordered = [v for v in f.codes if v in seen] + sorted(v for v in seen if v not in f.codes and v != MISSING)
    if MISSING in seen:
        ordered.append(MISSING)
    return [f"  {f.display(v) if v != MISSING else MISSING}" for v in ordered]


def characteristics_table(
    cases: Sequence[Any],
    group_by: str | None = None,
    custom_kinds: Mapping[str, str] | None = None,
    variables: Sequence[str] = TABLE1_FIELDS,
) -> Table:
    """Table 1: n (%) for categories and median (range) for numbers; overall or by group."""
    fields = fields_for(custom_kinds)
    chosen = [fields[v] for v in variables] + [fields[k] for k in (custom_kinds or {}) if k in fields]
    columns: list[tuple[str, list[Any]]] = []
    if group_by:
        g = fields[group_by]
        labels = sorted({g.value(c) or MISSING for c in cases})
        for lab in labels:
            members = [c for c in cases if (g.value(c) or MISSING) == lab]
            columns.append((f"{g.name} = {g.display(lab)} (n = {len(members)})", members))
    columns.append((f"All (n = {len(cases)})", list(cases)))
    rows: list[tuple[str, ...]] = []
    for f in chosen:
        if f.name == group_by:
            continue
        if f.kind == "number":
            values = [[v for v in (f.number(c) for c in members) if v is not None] for _, members in columns]
            rows.append((f"{f.label}, median (range)", *[_median_range(v) for v in values]))
            if any(len(v) < len(m) for v, (_, m) in zip(values, columns, strict=True)):
                rows.append((f"  {MISSING}", *[f"{len(m) - len(v)} ({percent(len(m) - len(v), len(m))})"
                                                for v, (_, m) in zip(values, columns, strict=True)]))
            continue
        rows.append((f"{f.label}, n (%)", *["" for _ in columns]))
        cells = [dict(_column(members, f)) for _, members in columns]
        for label in _levels(cases, f):
            rows.append((label, *[col.get(label, "0 (0%)") for col in cells]))
    note = ("n (%) for categories (percentages of the column, whole numbers rounded half up); "
            "median (range) for numbers; age in years at day 1 of the first salvage course.")
    return Table("Table 1. Patient characteristics", ("Characteristic", *[c for c, _ in columns]), tuple(rows), note)


def _follow_up_status(case: Any) -> str:
    if case.death_date is not None:
        cause = codes.DEATH_CAUSE.get(case.death_cause or "", "")
        return f"dead ({cause})" if cause else "dead"
    return codes.FOLLOW_UP_STATUS.get(case.last_follow_up_status or "", "alive")


def _time_cell(case: Any, rule: EndpointRule, unit: str) -> str:
    value = derive(case, rule, unit)
    t = value.time(unit)
    return "–" if t is None else f"{t:.1f}{'' if value.event else '+'}"


def patient_table(
    cases: Sequence[Any],
    unit: str = "months",
    efs: EndpointRule = EVENT_FREE_SURVIVAL,
    os: EndpointRule = OVERALL_SURVIVAL,
) -> Table:
    """One row per case, like the article's Table 1, generated from the records."""
    rows = []
    for c in cases:
        age = c.age_at_time_zero
        donor = c.first_transplant_donor or ("yes" if c.first_transplant_date else "no")
        rows.append((
            c.study_id, "–" if age is None else f"{age:.1f}", c.sex or "–", c.diagnosis or "–", c.subtype or "–",
            c.status_label or "–", "–" if c.high_risk_cytogenetics is None else ("yes" if c.high_risk_cytogenetics else "no"),
            "yes" if c.prior_transplants else "no",
            "–" if c.best_response is None else ("TF" if c.treatment_failure else c.best_response),
            donor, _time_cell(c, efs, unit), _time_cell(c, os, unit), _follow_up_status(c),
        ))
    columns = ("Case", "Age (years)", "Sex", "Diagnosis", "Subtype", "Status at salvage", "High-risk cytogenetics",
               "Previous aHSCT", "Best response", "aHSCT after salvage", f"EFS ({unit})", f"OS ({unit})",
               "Status at last follow-up")
    note = (f"Times from day 1 of the first salvage course, in {unit} (1 month = 30.4375 days); "
            f"+ = censored (alive, event-free at last follow-up). EFS: {efs.describe()} OS: {os.describe()} "
            "TF = treatment failure (no complete remission).")
    return Table("Per-patient characteristics and outcomes", columns, tuple(rows), note)


@dataclass(frozen=True)
class Rate:
    name: str
    proportion: Proportion


def _rate(name: str, hits: Sequence[bool | None], conf_level: float) -> Rate | None:
    known = [h for h in hits if h is not None]
    if not known:
        return None
    return Rate(name, clopper_pearson(sum(bool(h) for h in known), len(known), conf_level))


def rates(cases: Sequence[Any], conf_level: float = 0.95) -> list[Rate]:
    """Response, transplant, relapse, death and complication rates with exact CIs."""
    resp = [None if c.best_response is None else c.in_remission for c in cases]
    out = [
        _rate("Complete remission (CR or CRi)", resp, conf_level),
        _rate("Treatment failure (no complete remission)", [None if r is None else not r for r in resp], conf_level),
        _rate("Allogeneic HSCT after salvage", [c.first_transplant_date is not None for c in cases], conf_level),
        _rate("Relapse after salvage", [c.first_relapse_date is not None for c in cases], conf_level),
        _rate("Death", [c.death_date is not None for c in cases], conf_level),
    ]
    terms = sorted({t for c in cases for t in c.complication_terms},
                   key=lambda t: (list(codes.COMPLICATION).index(t) if t in codes.COMPLICATION else 99, t))
    if {"fever", "SIRS"} <= set(terms):
        out.append(_rate("Complication: fever or SIRS",
                         [bool({"fever", "SIRS"} & c.complication_terms) for c in cases], conf_level))
    for term in terms:
        label = codes.COMPLICATION.get(term, term)
        out.append(_rate(f"Complication: {label}", [term in c.complication_terms for c in cases], conf_level))
    return [r for r in out if r is not None]


def rates_table(cases: Sequence[Any], conf_level: float = 0.95) -> Table:
    pct = f"{100 * conf_level:g}%"
    rows = tuple(
        (r.name, f"{r.proportion.k}/{r.proportion.n}", f"{100 * r.proportion.estimate:.1f}%",
         f"{100 * r.proportion.ci_lower:.1f}–{100 * r.proportion.ci_upper:.1f}%")
        for r in rates(cases, conf_level)
    )
    note = (f"{pct} CI: {CP_METHOD}; denominators are the cases with the fact recorded; "
            "complications after salvage, any grade.")
    return Table("Response, transplant and complication rates", ("Outcome", "n/N", "%", f"{pct} CI"), rows, note)


def write_csv(table: Table, path: Path) -> None:
    """UTF-8 with BOM (so Excel shows the en dashes), the note on the last line."""
    with Path(path).open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(table.columns)
        writer.writerows(table.rows)
        if table.note:
            writer.writerow([])
            writer.writerow([f"Note: {table.note}"])


def write_xlsx(tables: Sequence[Table], path: Path) -> None:
    """One sheet per table: title, header, rows, then the note."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for table in tables:
        name = "".join(ch for ch in table.title if ch not in "[]:*?/\\")[:28].strip()
        while name in used:
            name = name[:26] + f"{len(used)}"
        used.add(name)
        sheet = book.create_sheet(name)
        sheet.append([table.title])
        sheet["A1"].font = Font(bold=True)
        sheet.append([])
        sheet.append(list(table.columns))
        for cell in sheet[3]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append(list(row))
        if table.note:
            sheet.append([])
            sheet.append([f"Note: {table.note}"])
            sheet.cell(row=sheet.max_row, column=1).alignment = Alignment(wrap_text=False)
        sheet.column_dimensions["A"].width = max(12, min(48, max(len(str(r[0])) for r in (table.columns, *table.rows))))
    book.save(str(path))
