"""Table 1 (patient characteristics), the per-patient table and the rates, computed from the records.

Categories are n (%) with whole percentages rounded half up (5/8 = 63%, as the article prints
it); numbers are median (range). Rates carry exact Clopper–Pearson CIs. Every table carries a
note naming its conventions, written under it on screen, in the report and in the exports.
"""

from __future__ import annotations

import csv
import math
import re
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis.statistics.cohort import MISSING, Field, fields_for
from analysis.statistics.endpoint_arrays import endpoint_arrays
from analysis.statistics.endpoints import (
    EVENT_FREE_SURVIVAL,
    OVERALL_SURVIVAL,
    TIME_UNITS,
    EndpointRule,
    format_time,
    time_in,
)
from analysis.statistics.numbers import percent as fmt_percent
from analysis.statistics.numbers import percent_value
from analysis.statistics.proportions import CP_METHOD, Proportion, clopper_pearson
from storage.record import codes

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
    sheet: str = ""  # a short spreadsheet sheet name ("Table 1", "Rates"); else cut from the title


def percent(k: int, n: int) -> str:
    """Whole percent, half up (62.5 -> 63), as journals print it; 1/1000 is "0.1%" and 999/1000
    "99.9%", never 0% or 100%."""
    if n == 0:
        return "–"
    whole = math.floor(100 * k / n + 0.5)
    if (whole == 0 and k > 0) or (whole == 100 and k < n):
        return fmt_percent(k / n, 1)
    return f"{whole}%"


def _num(x: float) -> str:
    return f"{x:.1f}"


def _median_range(values: Sequence[float]) -> str:
    if not values:
        return "–"
    return f"{_num(statistics.median(values))} ({_num(min(values))}–{_num(max(values))})"


def _order(seen: set[str], f: Field) -> list[str]:
    """Values of a categorical variable in a stable order: code order, then alphabetical, missing last."""
    ordered = [v for v in f.codes if v in seen] + sorted(v for v in seen if v not in f.codes and v != MISSING)
    return ordered + [MISSING] if MISSING in seen else ordered


def characteristics_table(
    cases: Sequence[Any],
    group_by: str | None = None,
    custom_kinds: Mapping[str, str] | None = None,
    variables: Sequence[str] = TABLE1_FIELDS,
) -> Table:
    """Table 1: n (%) for categories and median (range) for numbers; overall or by group.

    Each variable is read once per case (one pass), so a 50,000-case table takes a fraction of a second."""
    fields = fields_for(custom_kinds)
    # custom fields follow the article's variables: choices and yes/no as n (%), numbers as median (range);
    # free text and dates would give a row per value, so they are left out
    custom = [fields[k] for k in (custom_kinds or {}) if k in fields and fields[k].kind in ("category", "number")]
    chosen = [fields[v] for v in variables] + [f for f in custom if f.name not in variables]
    headers: list[str] = []
    column_of: list[int] = []  # per case: its group's column (the overall column is always the last)
    sizes: list[int] = []
    if group_by:
        g = fields[group_by]
        group_values = [g.value(c) or MISSING for c in cases]
        labels = sorted(set(group_values))
        index = {lab: i for i, lab in enumerate(labels)}
        column_of = [index[v] for v in group_values]
        sizes = [column_of.count(i) for i in range(len(labels))]
        headers = [f"{g.label} = {g.short_display(lab)} (n = {k})" for lab, k in zip(labels, sizes, strict=True)]
    headers.append(f"All (n = {len(cases)})")
    sizes.append(len(cases))
    n_cols = len(headers)
    if not group_by:
        column_of = [0] * len(cases)
    rows: list[tuple[str, ...]] = []
    for f in chosen:
        if f.name == group_by:
            continue
        if f.kind == "number":
            numbers: list[list[float]] = [[] for _ in range(n_cols)]
            for col, number in zip(column_of, (f.number(c) for c in cases), strict=True):
                if number is not None:
                    numbers[col].append(number)
                    if n_cols > 1:
                        numbers[-1].append(number)
            rows.append((f"{f.label}, median (range)", *[_median_range(v) for v in numbers]))
            if any(len(v) < k for v, k in zip(numbers, sizes, strict=True)):
                rows.append((f"  {MISSING}", *[f"{k - len(v)} ({percent(k - len(v), k)})"
                                                for v, k in zip(numbers, sizes, strict=True)]))
            continue
        counts: list[dict[str, int]] = [{} for _ in range(n_cols)]
        for col, text in zip(column_of, (f.value(c) or MISSING for c in cases), strict=True):
            counts[col][text] = counts[col].get(text, 0) + 1
            if n_cols > 1:
                counts[-1][text] = counts[-1].get(text, 0) + 1
        rows.append((f"{f.label}, n (%)", *["" for _ in range(n_cols)]))
        for text in _order(set(counts[-1]), f):
            label = f"  {MISSING if text == MISSING else f.display(text)}"
            rows.append((label, *[f"{c.get(text, 0)} ({percent(c.get(text, 0), k)})"
                                  for c, k in zip(counts, sizes, strict=True)]))
    note = ("n (%) for categories (percentages of the column, whole numbers rounded half up); "
            "median (range) for numbers; age in years at day 1 of the first salvage course.")
    return Table("Table 1. Patient characteristics", ("Characteristic", *headers), tuple(rows), note, "Table 1")


def _follow_up_status(case: Any) -> str:
    if case.death_date is not None:
        cause = codes.DEATH_CAUSE.get(case.death_cause or "", "")
        return f"dead ({cause})" if cause else "dead"
    return codes.FOLLOW_UP_STATUS.get(case.last_follow_up_status or "", "alive")


def _time_cells(cases: Sequence[Any], rule: EndpointRule, unit: str) -> list[str]:
    """"12.0" for an event, "75.0+" when censored, "–" without a value (as derive() decides)."""
    days, event = endpoint_arrays(cases, rule)
    scale = TIME_UNITS[unit]
    return ["–" if math.isnan(d) else f"{format_time(d / scale, unit)}{'' if e else '+'}" for d, e in zip(days, event, strict=True)]


def patient_table(
    cases: Sequence[Any],
    unit: str = "months",
    efs: EndpointRule = EVENT_FREE_SURVIVAL,
    os: EndpointRule = OVERALL_SURVIVAL,
) -> Table:
    """One row per case, like the article's Table 1, generated from the records."""
    rows = []
    efs_cells = _time_cells(cases, efs, unit)
    os_cells = _time_cells(cases, os, unit)
    for c, efs_cell, os_cell in zip(cases, efs_cells, os_cells, strict=True):
        age = c.age_at_time_zero
        donor = c.first_transplant_donor or ("yes" if c.first_transplant_date else "no")
        rows.append((
            c.study_id, "–" if age is None else f"{age:.1f}", c.sex or "–", c.diagnosis or "–", c.subtype or "–",
            c.status_label or "–", "–" if c.high_risk_cytogenetics is None else ("yes" if c.high_risk_cytogenetics else "no"),
            "yes" if c.prior_transplants else "no",
            "–" if c.best_response is None else ("TF" if c.treatment_failure else c.best_response),
            donor, efs_cell, os_cell, _follow_up_status(c),
        ))
    columns = ("Case", "Age (years)", "Sex", "Diagnosis", "Subtype", "Status at salvage", "High-risk cytogenetics",
               "Previous aHSCT", "Best response", "aHSCT after salvage", f"EFS ({unit})", f"OS ({unit})",
               "Status at last follow-up")
    note = (f"Times from day 1 of the first salvage course, {time_in(unit).removeprefix('time ')}; "
            f"+ = censored (alive, event-free at last follow-up). EFS: {efs.describe()} OS: {os.describe()} "
            "TF = treatment failure (no complete remission).")
    return Table("Per-patient characteristics and outcomes", columns, tuple(rows), note, "Patients")


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
        _rate("Relapse after salvage (recorded relapse)", [c.first_relapse_date is not None for c in cases], conf_level),
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
        (r.name, f"{r.proportion.k}/{r.proportion.n}", fmt_percent(r.proportion.estimate),
         f"{percent_value(r.proportion.ci_lower)}–{fmt_percent(r.proportion.ci_upper)}")
        for r in rates(cases, conf_level)
    )
    note = (f"{pct} CI: {CP_METHOD}; denominators are the cases with the fact recorded; "
            "complications after salvage, any grade.")
    return Table("Response, transplant and complication rates", ("Outcome", "n/N", "%", f"{pct} CI"), rows, note,
                 "Rates")


def write_csv(table: Table, path: Path) -> None:
    """UTF-8 with BOM (so Excel shows the en dashes), the note on the last line."""
    with Path(path).open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(table.columns)
        writer.writerows(table.rows)
        if table.note:
            writer.writerow([])
            writer.writerow([f"Note: {table.note}"])


_NUMBER = re.compile(r"-?(0|[1-9]\d*)(\.\d+)?")


def _cell_value(text: str) -> str | int | float:
    """A purely numeric cell as a number ("12", "4.0"); anything else ("75.0+", "5/8", "62.5%", an ID
    with a leading zero) stays text."""
    if not _NUMBER.fullmatch(text):
        return text
    return float(text) if "." in text else int(text)


def sheet_name(table: Table) -> str:
    """The table's short sheet name, or its title cut at a word within Excel's 31 characters."""
    name = "".join(ch for ch in (table.sheet or table.title) if ch not in "[]:*?/\\")
    if len(name) <= 31:
        return name
    cut = name[:31].rsplit(" ", 1)[0].rstrip(" .,;:–-")
    return cut or name[:31]


def write_xlsx(tables: Sequence[Table], path: Path) -> None:
    """One sheet per table: title, header, rows, then the note."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for table in tables:
        name = sheet_name(table)
        while name in used:
            name = f"{name[:26]} {len(used) + 1}"
        used.add(name)
        sheet = book.create_sheet(name)
        sheet.append([table.title])
        sheet["A1"].font = Font(bold=True)
        sheet.append([])
        sheet.append(list(table.columns))
        for cell in sheet[3]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([_cell_value(text) for text in row])
            for cell, text in zip(sheet[sheet.max_row], row, strict=False):
                if isinstance(cell.value, float):
                    decimals = len(text.partition(".")[2])
                    cell.number_format = "0." + "0" * decimals if decimals else "0"
        if table.note:
            sheet.append([])
            sheet.append([f"Note: {table.note}"])
            sheet.cell(row=sheet.max_row, column=1).alignment = Alignment(wrap_text=False)
        sheet.column_dimensions["A"].width = max(12, min(48, max(len(str(r[0])) for r in (table.columns, *table.rows))))
    book.save(str(path))
