"""De-identified exports leak no identifier of the demo cohort, and keep intervals and ages."""

from __future__ import annotations

import csv
import datetime as dt
import re
import zipfile
from pathlib import Path

import pyreadstat
import pytest
from sqlalchemy import select

from storage.database import Database
from storage.generated.demo import FICTITIOUS_NAMES
from storage.interchange.export.deidentify import case_keys
from storage.interchange.export.exporting import ExportOptions, export_database, load_cases
from storage.record.models import Case
from storage.record.tables import deid_keys


def identifying_values(db: Database) -> list[str]:
    """Every identifying value of the demo: names, hospital numbers, birth dates in common spellings,
    and the study IDs (which investigators can link to patients)."""
    values: list[str] = []
    with db.session() as session:
        for case in session.scalars(select(Case)):
            assert case.identity is not None and case.identity.birth_date is not None
            birth: dt.date = case.identity.birth_date
            values += [case.identity.name or "", case.identity.hospital_number or "", case.study_id]
            values += [birth.isoformat(), birth.strftime("%d.%m.%Y"), birth.strftime("%d/%m/%Y"),
                       birth.strftime("%m/%d/%Y"), birth.strftime("%Y%m%d"),
                       str((birth - dt.date(1899, 12, 30)).days)]  # a spreadsheet's serial day number
    assert set(FICTITIOUS_NAMES) <= set(values)
    return values


def exported_text(paths: list[Path]) -> str:
    chunks = []
    for path in paths:
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as book:
                chunks += [book.read(name).decode("utf-8") for name in book.namelist()]
        elif path.suffix in (".sav", ".dta"):
            reader = pyreadstat.read_sav if path.suffix == ".sav" else pyreadstat.read_dta
            frame, meta = reader(str(path))
            chunks.append(frame.to_csv())
            chunks.append(repr(meta.__dict__))
            chunks.append(path.read_bytes().decode("latin-1"))
        else:
            chunks.append(path.read_text(encoding="utf-8-sig"))
    return "\n".join(chunks)


@pytest.mark.parametrize("fmt, long", [("csv", False), ("xlsx", False), ("sav", False), ("dta", False),
                                       ("csv", True), ("xlsx", True)])
def test_no_identifying_value_of_the_demo_appears_in_a_deidentified_export(
        demo_db: Database, tmp_path: Path, fmt: str, long: bool) -> None:
    """With fixed keys: random offsets could move some date onto another case's birth date by chance."""
    secrets = identifying_values(demo_db)
    with demo_db.session() as session:
        case_ids = list(session.scalars(select(Case.id).order_by(Case.id)))
        session.execute(deid_keys.insert(), [{"case_id": cid, "code": f"CTEST{i:03d}", "date_offset_days": 101 + 37 * i}
                                             for i, cid in enumerate(case_ids)])
    out = tmp_path / ("long" if long and fmt == "csv" else f"out.{fmt}")
    with demo_db.session() as session:
        paths = export_database(session, out, ExportOptions(fmt=fmt, long=long, deidentify=True)).paths
    text = exported_text(paths)
    assert len(text) > 1000
    leaks = [value for value in secrets if re.search(rf"(?<![\w-]){re.escape(value)}(?![\w-])", text)]
    assert leaks == []


def _flat(db: Database, tmp_path: Path, name: str, mode: str = "shift") -> dict[str, dict[str, str]]:
    with db.session() as session:
        export_database(session, tmp_path / name, ExportOptions(deidentify=True, date_mode=mode))
    return {r["study_id"]: r for r in csv.DictReader((tmp_path / name).open(encoding="utf-8-sig"))}


def test_dates_move_by_one_offset_per_case_so_intervals_and_ages_stay(demo_db: Database, tmp_path: Path) -> None:
    rows = _flat(demo_db, tmp_path, "deid.csv")
    with demo_db.session() as session:
        cases = load_cases(session)
        keys = case_keys(session, cases)
        for case in cases:
            row = rows[keys[case.id].code]
            offset = keys[case.id].date_offset_days
            assert 1 <= offset <= 364
            assert case.time_zero is not None and case.last_follow_up is not None
            shifted_zero = dt.date.fromisoformat(row["salvage_start"])
            assert case.time_zero - shifted_zero == dt.timedelta(days=offset)
            follow_up = dt.date.fromisoformat(row["last_follow_up"])
            assert (follow_up - shifted_zero) == (case.last_follow_up - case.time_zero)
            assert float(row["age_at_time_zero"]) == round(case.age_at_time_zero or 0, 2)
            assert "name" not in row and "birth_date" not in row and "notes" not in row


def test_codes_and_offsets_stay_the_same_across_exports(demo_db: Database, tmp_path: Path) -> None:
    first, second = _flat(demo_db, tmp_path, "a.csv"), _flat(demo_db, tmp_path, "b.csv")
    assert first == second
    assert all(re.fullmatch(r"C[A-Z2-9]{7}", code) for code in first)


def test_days_from_time_zero_replace_dates(demo_db: Database, tmp_path: Path) -> None:
    rows = _flat(demo_db, tmp_path, "days.csv", mode="days")
    assert {r["salvage_start"] for r in rows.values()} == {"0"}
    assert all(int(r["last_follow_up"]) > 0 for r in rows.values())
    about = (tmp_path / "days.about.txt").read_text(encoding="utf-8")
    assert "days from time zero" in about


def test_with_random_keys_no_name_number_or_study_id_appears(demo_db: Database, tmp_path: Path) -> None:
    with demo_db.session() as session:
        cases = list(session.scalars(select(Case)))
        secrets = [v for c in cases for v in (c.study_id, c.identity.name, c.identity.hospital_number)  # type: ignore[union-attr]
                   if v]
        paths = export_database(session, tmp_path / "long.xlsx", ExportOptions(fmt="xlsx", long=True,
                                                                               deidentify=True)).paths
    text = exported_text(paths)
    assert [v for v in secrets if re.search(rf"(?<![\w-]){re.escape(v)}(?![\w-])", text)] == []
