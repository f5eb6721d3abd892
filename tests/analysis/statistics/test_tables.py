"""Table 1, the per-patient table and the rates from the demo records; CSV and XLSX exports."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from analysis.statistics.tables import (
    characteristics_table,
    patient_table,
    percent,
    rates,
    rates_table,
    write_csv,
    write_xlsx,
)
from storage.database import Database
from storage.views.summaries import CaseSummary, load_summaries


@pytest.fixture
def cases(demo_db: Database) -> list[CaseSummary]:
    with demo_db.session() as s:
        return load_summaries(s)


def row(table: object, label: str) -> tuple[str, ...]:
    return next(r for r in table.rows if r[0] == label)  # type: ignore[attr-defined]


def test_percent_rounds_half_up_as_journals() -> None:
    assert percent(5, 8) == "63%" and percent(3, 8) == "38%" and percent(1, 8) == "13%"


def test_table1_overall_matches_the_article(cases: list[CaseSummary]) -> None:
    t = characteristics_table(cases)
    assert t.columns == ("Characteristic", "All (n = 8)")
    # ages 1.1 ... 18.0 from the records: median (6.2 + 11.8) / 2 = 9.0
    assert row(t, "Age at salvage, years, median (range)")[1] == "9.0 (1.1–18.0)"
    labels = [r[0] for r in t.rows]
    hr = labels.index("High-risk cytogenetics, n (%)")
    assert t.rows[hr + 1] == ("  yes", "6 (75%)")
    prior = labels.index("Previous allogeneic HSCT, n (%)")
    assert t.rows[prior + 1] == ("  yes", "4 (50%)")
    assert row(t, "  complete remission")[1] == "5 (63%)"
    status = [r[0].strip() for r in t.rows[labels.index("Status at salvage, n (%)") + 1:][:4]]
    assert status == ["primary refractory", "first relapse", "second relapse", "third relapse"]
    assert "median (range)" in t.note


def test_table1_by_group_has_a_column_per_group_and_overall(cases: list[CaseSummary]) -> None:
    t = characteristics_table(cases, group_by="responder")
    assert t.columns[1:] == ("Complete remission after salvage (CR/CRi) = no (n = 3)",
                             "Complete remission after salvage (CR/CRi) = yes (n = 5)", "All (n = 8)")
    assert row(t, "  mixed-phenotype acute leukemia")[1:] == ("0 (0%)", "1 (20%)", "1 (13%)")


def test_per_patient_table_like_the_article(cases: list[CaseSummary]) -> None:
    t = patient_table(cases)
    p02 = row(t, "P02")
    assert p02[t.columns.index("Age (years)")] == "1.1"
    assert p02[t.columns.index("EFS (months)")] == "4.0"  # chloromas at 4 months
    assert p02[t.columns.index("OS (months)")] == "75.0+"  # alive, censored
    assert p02[t.columns.index("Status at last follow-up")] == "alive in remission"
    p04 = row(t, "P04")
    assert p04[t.columns.index("OS (months)")] == "12.0"
    assert p04[t.columns.index("Status at last follow-up")] == "dead (therapy-related)"
    assert row(t, "P05")[t.columns.index("Best response")] == "TF"


def test_rates_with_clopper_pearson(cases: list[CaseSummary]) -> None:
    by_name = {r.name: r.proportion for r in rates(cases)}
    cr = by_name["Complete remission (CR or CRi)"]
    assert (cr.k, cr.n) == (5, 8)
    assert (cr.ci_lower, cr.ci_upper) == (pytest.approx(0.245, abs=5e-4), pytest.approx(0.915, abs=5e-4))
    assert (by_name["Treatment failure (no complete remission)"].k, by_name["Allogeneic HSCT after salvage"].k) == (3, 5)
    fever = by_name["Complication: fever or SIRS"]
    assert (fever.k, fever.n) == (2, 8)
    # R: binom.test(2, 8)$conf.int = 0.0319 0.6509
    assert (fever.ci_lower, fever.ci_upper) == (pytest.approx(0.0319, abs=1e-4), pytest.approx(0.6509, abs=1e-4))
    assert (by_name["Complication: hepatotoxicity"].k, by_name["Complication: coagulopathy"].k) == (1, 1)
    t = rates_table(cases)
    assert row(t, "Complete remission (CR or CRi)")[1:] == ("5/8", "62.5%", "24.5–91.5%")
    assert "Clopper–Pearson" in t.note


def test_csv_and_xlsx_exports(cases: list[CaseSummary], tmp_path: Path) -> None:
    t = rates_table(cases)
    write_csv(t, tmp_path / "rates.csv")
    with (tmp_path / "rates.csv").open(encoding="utf-8-sig") as fh:
        lines = list(csv.reader(fh))
    assert lines[0] == ["Outcome", "n/N", "%", "95% CI"]
    assert lines[1] == ["Complete remission (CR or CRi)", "5/8", "62.5%", "24.5–91.5%"]
    assert lines[-1][0].startswith("Note: 95% CI: Clopper–Pearson")
    write_xlsx([characteristics_table(cases), t], tmp_path / "tables.xlsx")
    from openpyxl import load_workbook

    book = load_workbook(tmp_path / "tables.xlsx")
    assert len(book.sheetnames) == 2
    sheet = book[book.sheetnames[1]]
    assert sheet["A1"].value == t.title and sheet["B4"].value == "5/8"


def test_custom_fields_in_table1(demo_db: Database) -> None:
    from storage.record.models import CustomField, CustomValue

    with demo_db.session() as s:
        ids = sorted(c.case_id for c in load_summaries(s))
        fields = {kind: CustomField(name=f"my_{kind}", kind=kind) for kind in ("number", "yesno", "text", "date")}
        s.add_all(fields.values())
        s.flush()
        for i, cid in enumerate(ids):
            s.add(CustomValue(case_id=cid, field_id=fields["number"].id, value=str(i + 1)))
            s.add(CustomValue(case_id=cid, field_id=fields["yesno"].id, value="yes" if i < 2 else "no"))
            s.add(CustomValue(case_id=cid, field_id=fields["text"].id, value=f"note {i}"))
            s.add(CustomValue(case_id=cid, field_id=fields["date"].id, value=f"2020-01-0{i + 1}"))
        cases = load_summaries(s)
    kinds = {f"my_{k}": k for k in ("number", "yesno", "text", "date")}
    t = characteristics_table(cases, custom_kinds=kinds)
    assert row(t, "my_number, median (range)")[1] == "4.5 (1.0–8.0)"
    labels = [r[0] for r in t.rows]
    assert t.rows[labels.index("my_yesno, n (%)") + 1] == ("  yes", "2 (25%)")
    assert not any(label.startswith(("my_text", "my_date")) for label in labels)


def test_xlsx_sheet_names_are_short_and_numbers_are_numbers(cases: list[CaseSummary], tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from analysis.statistics.tables import Table, patient_table, sheet_name

    tables = [characteristics_table(cases), rates_table(cases), patient_table(cases)]
    write_xlsx(tables, tmp_path / "tables.xlsx")
    book = load_workbook(tmp_path / "tables.xlsx")
    assert book.sheetnames == ["Table 1", "Rates", "Patients"]
    rates = book["Rates"]
    assert (rates["B4"].value, rates["C4"].value) == ("5/8", "62.5%")  # not purely numeric: text
    patients = book["Patients"]
    header = [c.value for c in patients[3]]
    efs = header.index("EFS (months)")
    values = [row[efs].value for row in patients.iter_rows(min_row=4, max_row=3 + len(cases))]
    assert any(isinstance(v, int | float) for v in values)  # an event time is a number (42.0 reads back 42) ...
    assert any(isinstance(v, str) and v.endswith("+") for v in values)  # ... a censored one stays "75.0+"
    number = next(row[efs] for row in patients.iter_rows(min_row=4, max_row=3 + len(cases))
                  if isinstance(row[efs].value, int | float))
    assert number.number_format == "0.0"  # shown as "42.0", as in the table
    assert patients["A4"].value == "P01"
    long = Table("Overall survival: medians and landmark estimates", ("a",), ())
    assert sheet_name(long) == "Overall survival medians and"  # cut at a word, within 31 characters
