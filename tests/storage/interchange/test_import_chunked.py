"""The command line's chunked import: checked new cases are written a chunk at a time into one open
transaction while the rest of the file is checked. All or nothing still holds: a problem after chunks were
written rolls them back (the database's content unchanged), every problem after it is still reported, and
the before-import backup is taken before the first write. (CHUNK is made small here: 3 cases.)"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storage.database import Database
from storage.interchange.imports import importing
from storage.interchange.imports.importing import ImportOptions, import_file
from storage.safety.backup import list_backups
from storage.safety.case_content import changed_bulk_cases
from tests.storage.interchange.test_import_flat_template import case_count, good_row, write_csv
from tests.storage.interchange.test_import_mapping_refusals import content_hash


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    sizes: list[int] = []
    monkeypatch.setattr(importing, "CHUNK", 3)
    write = importing.insert_cases

    def counted(connection: object, cases: list[importing.CaseRows], reason: str) -> None:
        sizes.append(len(cases))
        write(connection, cases, reason)  # type: ignore[arg-type]

    monkeypatch.setattr(importing, "insert_cases", counted)
    return sizes


def test_a_clean_file_is_written_in_chunks_as_one_import(empty_db: Database, tmp_path: Path,
                                                         small_chunks: list[int]) -> None:
    report = import_file(empty_db, write_csv(tmp_path / "ok.csv", [good_row(i) for i in range(1, 11)]))
    assert report.written and report.created == [f"S{i:02d}" for i in range(1, 11)]
    assert small_chunks == [3, 3, 3, 1]  # three chunks while checking, the rest after
    assert case_count(empty_db) == 10
    assert [b.reason for b in list_backups(empty_db.path)] == ["before-import"]
    assert report.backup is not None and report.backup.exists()
    with sqlite3.connect(empty_db.path) as conn:
        created = conn.execute("SELECT count(*) FROM audit_log WHERE action = 'create' AND table_name = 'cases'")
        assert created.fetchone()[0] == 10
        facts, problems = changed_bulk_cases(conn)
    assert problems == [] and facts


def test_a_problem_after_written_chunks_rolls_everything_back_and_every_later_problem_is_reported(
        empty_db: Database, tmp_path: Path, small_chunks: list[int]) -> None:
    rows = [good_row(i) for i in range(1, 11)]
    rows[7]["salvage_start"] = "2019-02-30"  # row 8: after two chunks were written
    rows[9]["sex"] = "x"  # row 10: still checked
    before = content_hash(empty_db.path)
    report = import_file(empty_db, write_csv(tmp_path / "late.csv", rows))
    assert not report.written
    assert [(p.row, p.column) for p in report.problems] == [(8, "salvage_start"), (10, "sex")]
    assert small_chunks == [3, 3]  # nothing more was written from the first problem on
    assert case_count(empty_db) == 0 and content_hash(empty_db.path) == before
    assert list_backups(empty_db.path) == []  # the copy taken before the first write was removed again: the
    # database is as it showed it, and kept it would push older copies out of the rotation


def test_a_problem_in_the_first_chunk_writes_nothing_and_takes_no_backup(
        empty_db: Database, tmp_path: Path, small_chunks: list[int]) -> None:
    rows = [good_row(i) for i in range(1, 11)]
    rows[1]["donor_type"] = "cousin"
    report = import_file(empty_db, write_csv(tmp_path / "early.csv", rows))
    assert not report.written and [(p.row, p.column) for p in report.problems] == [(2, "donor_type")]
    assert small_chunks == [] and list_backups(empty_db.path) == [] and case_count(empty_db) == 0


def test_a_dry_run_writes_no_chunk(empty_db: Database, tmp_path: Path, small_chunks: list[int]) -> None:
    report = import_file(empty_db, write_csv(tmp_path / "dry.csv", [good_row(i) for i in range(1, 11)]),
                         ImportOptions(dry_run=True))
    assert report.ok and not report.written and small_chunks == [] and case_count(empty_db) == 0


def test_new_custom_fields_get_their_ids_before_the_first_chunk(empty_db: Database, tmp_path: Path) -> None:
    rows = [{**good_row(i), "Lieblingsfarbe": "blau" if i % 2 else "rot"} for i in range(1, 11)]
    report = import_file(empty_db, write_csv(tmp_path / "custom.csv", rows), ImportOptions(add_fields=True))
    assert report.written, report.problems
    with sqlite3.connect(empty_db.path) as conn:
        values = conn.execute("SELECT value, count(*) FROM custom_values GROUP BY value ORDER BY value").fetchall()
    assert values == [("blau", 5), ("rot", 5)]


def test_updated_and_new_cases_mixed_across_chunks(empty_db: Database, tmp_path: Path) -> None:
    assert import_file(empty_db, write_csv(tmp_path / "first.csv", [good_row(i) for i in range(1, 5)])).written
    rows = [good_row(i) for i in range(1, 11)]
    for row in rows[:4]:
        row["last_follow_up"] = "2022-06-07"
    report = import_file(empty_db, write_csv(tmp_path / "again.csv", rows), ImportOptions(update_existing=True))
    assert report.written, report.problems
    assert (report.updated, len(report.created), case_count(empty_db)) == (["S01", "S02", "S03", "S04"], 6, 10)
    with sqlite3.connect(empty_db.path) as conn:
        follow_up = conn.execute("SELECT count(*) FROM cases WHERE last_follow_up = '2022-06-07'").fetchone()[0]
        changes = conn.execute("SELECT count(*) FROM audit_log WHERE action = 'update' "
                               "AND field = 'last_follow_up'").fetchone()[0]
    assert (follow_up, changes) == (4, 4)


def test_failed_imports_leave_no_copies_to_push_older_ones_out_of_the_rotation(
        empty_db: Database, tmp_path: Path) -> None:
    import_file(empty_db, write_csv(tmp_path / "first.csv", [good_row(i) for i in range(1, 5)]))
    kept = [b.path for b in list_backups(empty_db.path)]
    rows = [good_row(i) for i in range(11, 21)]
    rows[8]["sex"] = "x"  # row 9: after three chunks were written
    for attempt in range(3):
        report = import_file(empty_db, write_csv(tmp_path / f"try{attempt}.csv", rows))
        assert not report.written and report.backup is None
    assert [b.path for b in list_backups(empty_db.path)] == kept and case_count(empty_db) == 4


def test_a_kept_check_is_written_a_chunk_at_a_time_with_progress_after_each(
        empty_db: Database, tmp_path: Path, small_chunks: list[int]) -> None:
    """The dialog's Import of a clean Check: the same cases and audit entries as one insert, in one
    transaction, but the progress bar moves after each chunk instead of standing at 0 until the end."""
    path = write_csv(tmp_path / "kept.csv", [good_row(i) for i in range(1, 11)])
    checked = importing.check_file(empty_db, path)
    assert checked.plan is not None and small_chunks == []
    seen: list[tuple[int, int, str]] = []
    report = import_file(empty_db, path, ImportOptions(), lambda d, t, w: seen.append((d, t, w)), checked)
    assert report.written and report.checked_again is None and report.created == [f"S{i:02d}" for i in range(1, 11)]
    assert small_chunks == [3, 3, 3, 1]
    writing = [(d, t) for d, t, w in seen if w == "writing"]
    assert writing == [(0, 10), (3, 10), (6, 10), (9, 10), (10, 10)]
    assert case_count(empty_db) == 10
    with sqlite3.connect(empty_db.path) as conn:
        created = conn.execute("SELECT study_id FROM audit_log WHERE action = 'create' AND table_name = 'cases' "
                               "ORDER BY record_id").fetchall()
        facts, problems = changed_bulk_cases(conn)
    assert [c[0] for c in created] == [f"S{i:02d}" for i in range(1, 11)]  # one entry per case, as before
    assert problems == [] and facts
    assert [b.reason for b in list_backups(empty_db.path)] == ["before-import"]


def _updates(tmp_path: Path, name: str, rows: list[dict[str, object]]) -> Path:
    return write_csv(tmp_path / name, rows)


def test_updates_are_written_a_chunk_at_a_time_and_stored_cases_loaded_a_batch_at_a_time(
        empty_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from storage.interchange.imports import import_plan

    monkeypatch.setattr(import_plan, "STORED_BATCH", 2)
    loaded: list[int] = []
    load = import_plan.load_existing

    def counted(session: object, keys: list[str], full: bool) -> object:
        loaded.append(len(keys))
        return load(session, keys, full)  # type: ignore[arg-type]

    monkeypatch.setattr(import_plan, "load_existing", counted)
    import_file(empty_db, write_csv(tmp_path / "first.csv", [good_row(i) for i in range(1, 8)]))
    rows = [{**good_row(i), "last_follow_up": "2022-06-01"} for i in range(1, 8)]
    loaded.clear()
    report = import_file(empty_db, _updates(tmp_path, "later.csv", rows), ImportOptions(update_existing=True))
    assert report.written and report.updated == [f"S{i:02d}" for i in range(1, 8)]
    assert loaded == [2, 2, 2, 1]  # never all seven at once
    with sqlite3.connect(empty_db.path) as conn:
        stored = conn.execute("SELECT last_follow_up FROM cases ORDER BY study_id").fetchall()
        changes = conn.execute("SELECT count(*) FROM audit_log WHERE action = 'update' AND table_name = 'cases' "
                               "AND field = 'last_follow_up'").fetchone()[0]
    assert [s[0] for s in stored] == ["2022-06-01"] * 7 and changes == 7


def test_a_problem_after_written_updates_rolls_them_back(empty_db: Database, tmp_path: Path,
                                                         small_chunks: list[int]) -> None:
    import_file(empty_db, write_csv(tmp_path / "first.csv", [good_row(i) for i in range(1, 8)]))
    before = content_hash(empty_db.path)
    rows = [{**good_row(i), "last_follow_up": "2022-06-01"} for i in range(1, 8)]
    rows[6]["sex"] = "x"  # row 7: after three chunks of updates were written
    report = import_file(empty_db, _updates(tmp_path, "late.csv", rows), ImportOptions(update_existing=True))
    assert not report.written and [(p.row, p.column) for p in report.problems] == [(7, "sex")]
    assert content_hash(empty_db.path) == before
