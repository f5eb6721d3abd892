"""The export dialog replaces an existing file only when its save box confirmed that path."""

from __future__ import annotations

from pathlib import Path

from storage.database import Database


def test_a_typed_path_to_an_existing_file_is_refused_a_confirmed_one_replaced(qtbot, demo_db: Database,
                                                                               tmp_path: Path) -> None:
    from gui.data.exchange_dialogs import ExportDialog

    out = tmp_path / "cohort.xlsx"
    out.write_bytes(b"old")
    dialog = ExportDialog(demo_db)
    qtbot.addWidget(dialog)
    dialog.format.setCurrentIndex(dialog.format.findData("xlsx"))
    dialog.out_edit.setText(str(out))
    dialog.export_button.click()
    qtbot.waitUntil(lambda: "already exists" in dialog.summary.text(), timeout=10_000)
    assert out.read_bytes() == b"old" and not dialog.result_paths
    dialog.confirmed_path = str(out)  # what the save box sets after asking to replace
    dialog.export_button.click()
    qtbot.waitUntil(lambda: bool(dialog.result_paths), timeout=10_000)
    assert out.read_bytes()[:2] == b"PK"


def test_the_database_itself_is_refused_even_when_confirmed(qtbot, demo_db: Database) -> None:
    from gui.data.exchange_dialogs import ExportDialog

    before = demo_db.path.read_bytes()
    dialog = ExportDialog(demo_db)
    qtbot.addWidget(dialog)
    dialog.out_edit.setText(str(demo_db.path))
    dialog.confirmed_path = str(demo_db.path)
    dialog.export_button.click()
    qtbot.waitUntil(lambda: "is the database" in dialog.summary.text(), timeout=10_000)
    assert demo_db.path.read_bytes() == before
