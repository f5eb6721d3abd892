"""An export never overwrites the database, its files, its backups or any SQLite file, nor (unasked) any file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from storage.database import Database
from storage.interchange.export import export_writers
from storage.interchange.export.exporting import ExportError, ExportOptions, export_database


def _export(db: Database, out: Path, **options: object) -> list[Path]:
    with db.session() as session:
        return export_database(session, out, ExportOptions(**options)).paths  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "sav", "dta"])
def test_the_database_itself_is_refused(demo_db: Database, fmt: str) -> None:
    before = demo_db.path.read_bytes()
    with pytest.raises(ExportError, match="is the database"):
        _export(demo_db, demo_db.path, fmt=fmt, overwrite=True)
    assert demo_db.path.read_bytes() == before


def test_a_symlink_to_the_database_and_its_side_files_are_refused(demo_db: Database, tmp_path: Path) -> None:
    alias = tmp_path / "alias"
    alias.mkdir()
    (alias / "x.csv").symlink_to(demo_db.path)
    with pytest.raises(ExportError, match="is the database"):
        _export(demo_db, alias / "x.csv", overwrite=True)
    for suffix in ("-wal", "-shm", ".lock"):
        with pytest.raises(ExportError):
            _export(demo_db, demo_db.path.with_name(demo_db.path.name + suffix), overwrite=True)
    with pytest.raises(ExportError, match="backups folder"):
        _export(demo_db, demo_db.path.parent / "backups" / "x.csv", overwrite=True)


def test_another_sqlite_file_is_never_overwritten(demo_db: Database, tmp_path: Path) -> None:
    other = tmp_path / "other.csv"
    other.write_bytes(demo_db.path.read_bytes())
    with pytest.raises(ExportError, match="SQLite database"):
        _export(demo_db, other, overwrite=True)
    assert other.read_bytes()[:15] == b"SQLite format 3"


def test_an_existing_file_is_replaced_only_when_asked(demo_db: Database, tmp_path: Path) -> None:
    out = tmp_path / "cases.csv"
    out.write_text("keep me", encoding="utf-8")
    with pytest.raises(ExportError, match="already exists"):
        _export(demo_db, out)
    assert out.read_text(encoding="utf-8") == "keep me"
    _export(demo_db, out, overwrite=True)
    assert "study_id" in out.read_text(encoding="utf-8-sig")
    with pytest.raises(ExportError, match="already exists"):  # the note beside it counts as well
        _export(demo_db, out)


def test_a_suffix_that_does_not_fit_the_format_is_refused(demo_db: Database, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="format is xlsx"):
        _export(demo_db, tmp_path / "x.csv", fmt="xlsx")
    with pytest.raises(ExportError, match="database file"):
        _export(demo_db, tmp_path / "new.db", fmt="csv")
    assert not (tmp_path / "x.csv").exists() and not (tmp_path / "new.db").exists()


def test_an_interrupted_export_leaves_the_old_file_and_no_partial(demo_db: Database, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "cases.xlsx"
    out.write_bytes(b"old export")

    def broken(*_args: object, **_kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export_writers, "_add_sheet", broken)
    with pytest.raises(ExportError, match="No space left"):
        _export(demo_db, out, fmt="xlsx", overwrite=True)
    assert out.read_bytes() == b"old export"
    assert not [name for name in os.listdir(tmp_path) if "partial" in name]
