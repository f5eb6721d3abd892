"""A mapped import refuses bad input with a report naming row, column, value and rule, and writes nothing
(the database's content hash is unchanged); the command line takes a saved mapping or a JSON file."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from storage.database import Database, create_database
from storage.interchange.imports.column_mapping import ColumnMapping, save_mapping
from storage.interchange.imports.importing import ImportOptions, import_file
from tests.storage.interchange import german_sheet

ROOT = Path(__file__).resolve().parents[3]


def content_hash(path: Path) -> str:
    """SHA-256 over every row of every table (the file's bytes may move without a change of content)."""
    with sqlite3.connect(path) as conn:
        return hashlib.sha256("\n".join(conn.iterdump()).encode("utf-8")).hexdigest()


def sheet(tmp_path: Path, change: dict[tuple[int, str], str] | None = None, header: dict[str, str] | None = None
          ) -> Path:
    rows = german_sheet.rows()
    for (row, column), value in (change or {}).items():
        rows[row - 1][german_sheet.HEADER.index(column)] = value
    names = [(header or {}).get(h, h) for h in german_sheet.HEADER]
    path = tmp_path / "sheet.csv"
    import csv

    with path.open("w", encoding="cp1252", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(names)
        writer.writerows(rows)
    return path


def mapping(**changes: str) -> ColumnMapping:
    return ColumnMapping({**german_sheet.MAPPING, **changes}, date_format="%d.%m.%Y", name="Tübingen sheet")


def refused(db: Database, path: Path, used: ColumnMapping) -> list[str]:
    before = content_hash(db.path)
    report = import_file(db, path, ImportOptions(mapping=used))
    assert not report.written and report.problems
    assert content_hash(db.path) == before
    return [str(p) for p in report.problems]


def test_no_column_mapped_to_the_study_id_is_refused(empty_db: Database, tmp_path: Path) -> None:
    problems = refused(empty_db, sheet(tmp_path), mapping(**{"Pat.-Nr.": ""}))
    assert problems == ["column study_id: no column is mapped to study_id (the study ID is required) in the "
                        "mapping file, or with --mapping"]


def test_a_value_that_maps_to_nothing_is_named_with_row_column_and_value(empty_db: Database, tmp_path: Path) -> None:
    problems = refused(empty_db, sheet(tmp_path, {(3, "Geschlecht"): "x", (5, "Spender 1"): "Onkel"}), mapping())
    assert problems == [
        "row 3, column Geschlecht, value 'x': 'x' maps to no code of Sex (female, male); choose one (or 'empty') in "
        "the mapping's \"values\" (--mapping)",
        "row 5, column Spender 1, value 'Onkel': 'Onkel' maps to no code of HSCT after salvage 1: donor (matched "
        "sibling donor, matched unrelated donor, mismatched unrelated donor, mismatched family donor (haploidentical), "
        "autologous); choose one (or 'empty') in the mapping's \"values\" (--mapping)"]


def test_the_mapping_s_own_value_codes_are_used(empty_db: Database, tmp_path: Path) -> None:
    used = mapping()
    used.values = {"sex": {"x": "f"}}
    report = import_file(empty_db, sheet(tmp_path, {(3, "Geschlecht"): "x"}), ImportOptions(mapping=used))
    assert report.written, [str(p) for p in report.problems]


def test_an_unreadable_dose_cell_is_refused(empty_db: Database, tmp_path: Path) -> None:
    problems = refused(empty_db, sheet(tmp_path, {(2, "Melphalan Dosis"): "2 x sechzig mg/m²"}), mapping())
    assert problems == ["row 2, column Melphalan Dosis, value '2 x sechzig mg/m²': '2 x sechzig mg/m²' is not a dose "
                        "such as '2 × 60 mg/m²' or '10 x 100 mg/m2' (number of doses × dose and unit: mg/m², g/m², "
                        "mg/kg or mg)"]


def test_two_columns_mapped_to_one_field_are_refused(empty_db: Database, tmp_path: Path) -> None:
    problems = refused(empty_db, sheet(tmp_path), mapping(**{"Letzter Kontakt": "death_date"}))
    assert problems == ["the mapping Tübingen sheet: columns Todesdatum and Letzter Kontakt are both mapped to "
                        "death_date; map one of them to another field or leave it out"]
    problems = refused(empty_db, sheet(tmp_path), mapping(**{"Gewicht (kg)": "course[1].start_date"}))
    assert any("Beginn Mel/Ara-C and Gewicht (kg) are both mapped to salvage_start" in p for p in problems)


def test_a_rule_broken_by_a_numbered_record_names_the_user_s_column(empty_db: Database, tmp_path: Path) -> None:
    problems = refused(empty_db, sheet(tmp_path, {(4, "Datum HSZT 1"): "01.01.2010"}), mapping())
    assert problems == ["row 4, column Datum HSZT 1, value '01.01.2010': transplant after salvage (2010-01-01) is "
                        "before day 1 of salvage (2018-01-15)",
                        "row 4, column Datum HSZT 1, value '01.01.2010': transplant after salvage (2010-01-01) is "
                        "before the date of diagnosis (2013-12-07)"]


def test_the_dialog_names_its_own_controls(empty_db: Database, tmp_path: Path) -> None:
    report = import_file(empty_db, sheet(tmp_path, {(3, "Geschlecht"): "x"}), ImportOptions(mapping=mapping()))
    dialog = report.problems[0].text(dialog=True)
    assert dialog.endswith("choose one (or 'empty') in the value mapping above") and "--" not in dialog


def test_a_date_column_is_read_without_a_format_only_where_the_data_fix_the_order(empty_db: Database,
                                                                                   tmp_path: Path) -> None:
    loose = mapping()
    loose.date_format = None
    report = import_file(empty_db, sheet(tmp_path), ImportOptions(mapping=loose, dry_run=True))
    unfixed = sorted({p.column for p in report.problems if p.column})
    assert unfixed and "Beginn Mel/Ara-C" not in unfixed  # 15.06.2015, 20.02.2017 ...: day first
    assert all("state it (--date-format" in str(p) for p in report.problems)
    only_early = {(r, "Beginn Mel/Ara-C"): f"0{r}.0{r}.201{r}" for r in range(1, 9)}  # 01.01.2011 ... 08.08.2018
    report = import_file(empty_db, sheet(tmp_path, only_early), ImportOptions(mapping=loose, dry_run=True))
    assert "Beginn Mel/Ara-C" in {p.column for p in report.problems}  # never guessed


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), "import", *args], capture_output=True, text=True,
                          timeout=120, cwd=str(ROOT))


def test_cli_imports_through_a_saved_mapping_or_a_json_file(tmp_path: Path) -> None:
    path = german_sheet.write_csv(tmp_path / "mel_ara.csv")
    file = tmp_path / "tuebingen.json"
    file.write_text(json.dumps(mapping().to_json(), ensure_ascii=False), "utf-8")
    result = _cli(str(path), "--db", str(tmp_path / "a.db"), "--mapping", str(file))
    assert result.returncode == 0 and "8 new and 0 updated case(s) imported" in result.stdout, result.stderr
    db = create_database(tmp_path / "b.db")
    with db.session() as session:
        save_mapping(session, "Tübingen sheet", mapping())
    db.close()
    result = _cli(str(path), "--db", str(tmp_path / "b.db"), "--mapping", "Tübingen sheet")
    assert result.returncode == 0 and "8 new" in result.stdout, result.stderr


@pytest.mark.parametrize("spec, message", [
    ("Freiburg", "--mapping: there is no saved mapping named 'Freiburg'; saved mappings: Tübingen sheet"),
    ("{tmp}/none.json", "--mapping: cannot read the mapping file"),
])
def test_cli_names_a_mapping_it_cannot_find(tmp_path: Path, spec: str, message: str) -> None:
    db = create_database(tmp_path / "c.db")
    with db.session() as session:
        save_mapping(session, "Tübingen sheet", mapping())
    db.close()
    before = content_hash(tmp_path / "c.db")
    result = _cli(str(german_sheet.write_csv(tmp_path / "x.csv")), "--db", str(tmp_path / "c.db"), "--mapping",
                  spec.format(tmp=tmp_path))
    assert result.returncode == 1 and result.stderr.startswith(f"casebook import: {message}"), result.stderr
    assert content_hash(tmp_path / "c.db") == before
