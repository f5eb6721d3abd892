"""A clean check's plan is written by the import that follows it only while nothing it rests on has changed.

check_file keeps the plan; import_file(checked=...) writes it without reading the file again when the file
(size, modification time, SHA-256), the options and the database are as they were at the check, and checks
everything again otherwise: a problem that came in since is refused with the database unchanged.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage.database import Database, create_database
from storage.interchange.imports import long_import
from storage.interchange.imports.importing import ImportOptions, check_file, import_file
from storage.record.models import Case, CustomField, CustomValue, DrugAdministration
from tests.storage.interchange.test_import_long_format import _edit_csv, export_long, tables
from tests.storage.interchange.test_import_mapping_refusals import content_hash


def count_reads(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> list[Path]:
    """Every call of module.name (a function reading a file), by path."""
    done: list[Path] = []
    real = getattr(module, name)

    def counted(path: Path) -> object:
        done.append(Path(path))
        return real(path)

    monkeypatch.setattr(module, name, counted)
    return done


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every reading of a long-format file, by path."""
    return count_reads(monkeypatch, long_import, "read_long")


def counts(db: Database) -> tuple[int, int]:
    with db.session() as session:
        return (session.scalar(select(func.count(Case.id))) or 0,
                session.scalar(select(func.count(DrugAdministration.id))) or 0)


def test_the_checked_plan_is_written_without_reading_the_file_again(demo_db: Database, tmp_path: Path,
                                                                    reads: list[Path]) -> None:
    folder = export_long(demo_db, tmp_path / "long")
    target = create_database(tmp_path / "target.db")
    checked = check_file(target, folder)
    assert checked.report.ok and checked.plan is not None and reads == [folder]
    assert counts(target) == (0, 0)  # a check writes nothing
    report = import_file(target, folder, ImportOptions(), checked=checked)
    assert report.written and report.checked_again is None and reads == [folder]  # not read again
    assert counts(target) == counts(demo_db) and counts(target)[1] > 0
    # the same cases as an import without a check before it: export --long gives the same files
    plain = create_database(tmp_path / "plain.db")
    assert import_file(plain, folder).written
    assert tables(export_long(target, tmp_path / "a")) == tables(export_long(plain, tmp_path / "b"))
    target.close()
    plain.close()


def test_a_file_changed_after_the_check_is_checked_again_and_its_new_bad_row_refused(
        demo_db: Database, tmp_path: Path, reads: list[Path]) -> None:
    folder = export_long(demo_db, tmp_path / "long")
    target = create_database(tmp_path / "target.db")
    checked = check_file(target, folder)
    assert checked.report.ok
    drugs = folder / "drug_administrations.csv"
    stat = drugs.stat()
    text = drugs.read_text("utf-8-sig")
    first_course = text.split("\n")[1].split(",")[1]
    bad = text.replace("\n" + text.split("\n")[1], "\n" + text.split("\n")[1].replace(f",{first_course},", ",9,", 1))
    assert len(bad.encode()) == len(text.encode())  # same size ...
    drugs.write_text(bad, "utf-8-sig")
    os.utime(drugs, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # ... and the same modification time: the hash tells
    before = content_hash(target.path)
    report = import_file(target, folder, ImportOptions(), checked=checked)
    assert not report.written and report.checked_again == "the file changed since the check"
    assert len(reads) == 2
    assert any(p.sheet == "drug_administrations" and p.column == "course_number" and "no salvage course 9" in p.rule
               for p in report.problems), [str(p) for p in report.problems]
    assert content_hash(target.path) == before and counts(target) == (0, 0)
    target.close()


def test_a_database_changed_after_the_check_is_checked_again(demo_db: Database, tmp_path: Path,
                                                             reads: list[Path]) -> None:
    folder = export_long(demo_db, tmp_path / "long")
    target = create_database(tmp_path / "target.db")
    checked = check_file(target, folder)
    with demo_db.session() as session:
        first = session.scalars(select(Case.study_id).order_by(Case.study_id)).first()
    with target.session() as session:  # meanwhile, e.g. in the case form: a case with one of the file's IDs
        session.add(Case(study_id=first))
    before = content_hash(target.path)
    report = import_file(target, folder, ImportOptions(), checked=checked)
    assert not report.written and report.checked_again == "the database changed since the check"
    assert len(reads) == 2 and any(f"study ID {first} already exists" in p.rule for p in report.problems)
    assert content_hash(target.path) == before and counts(target) == (1, 0)
    target.close()


def test_other_options_are_checked_again_and_stored_custom_fields_are_used(demo_db: Database, tmp_path: Path,
                                                                           reads: list[Path]) -> None:
    folder = export_long(demo_db, tmp_path / "long")
    with demo_db.session() as session:
        ids = list(session.scalars(select(Case.study_id).order_by(Case.study_id)))[:2]
    _edit_csv(folder / "custom_values.csv", add=[{"study_id": sid, "field": "Karnofsky", "kind": "number",
                                                  "value": str(70 + n)} for n, sid in enumerate(ids)])
    target = create_database(tmp_path / "target.db")
    assert import_file(target, folder).written  # the custom field is stored now
    for name in folder.glob("*.csv"):  # the same cohort under new study IDs
        rows = name.read_text("utf-8-sig").split("\n")
        if rows[0].startswith("study_id,"):
            name.write_text("\n".join([rows[0], *("N" + r if r else r for r in rows[1:])]), "utf-8-sig")
    with target.session() as session:
        fields = {f.name: f.id for f in session.scalars(select(CustomField))}
    assert list(fields) == ["Karnofsky"]
    checked = check_file(target, folder)
    assert checked.report.ok, [str(p) for p in checked.report.problems]
    report = import_file(target, folder, ImportOptions(), checked=checked)
    assert report.written and report.checked_again is None and len(reads) == 2
    with target.session() as session:
        assert {f.name: f.id for f in session.scalars(select(CustomField))} == fields  # no second field
        assert counts(target) == (2 * counts(demo_db)[0], 2 * counts(demo_db)[1])
        values = session.execute(select(Case.study_id, CustomValue.value, CustomValue.field_id).join(Case)
                                 .order_by(Case.study_id)).all()
    assert [tuple(v) for v in values] == sorted([(sid, str(70 + n), fields["Karnofsky"]) for n, sid in enumerate(ids)]
                                                + [("N" + sid, str(70 + n), fields["Karnofsky"])
                                                   for n, sid in enumerate(ids)])
    target.close()
    other = create_database(tmp_path / "other.db")
    checked = check_file(other, folder)
    report = import_file(other, folder, ImportOptions(date_format="%d.%m.%Y"), checked=checked)
    assert report.checked_again == "the options or the column mapping changed" and report.written
    assert len(reads) == 4 and counts(other) == counts(demo_db)
    other.close()
