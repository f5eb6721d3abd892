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


def test_the_dialog_says_the_export_is_a_plain_file_and_de_identifies_by_default(qtbot, demo_db: Database) -> None:
    from gui.data.exchange_dialogs import ExportDialog

    dialog = ExportDialog(demo_db)
    qtbot.addWidget(dialog)
    assert dialog.deidentify.isChecked()  # the export for sharing is the default
    assert "not encrypted" in dialog.plain_note.text() and "no names" in dialog.plain_note.text()
    dialog.deidentify.setChecked(False)
    assert "holds names, hospital numbers and birth dates" in dialog.plain_note.text()


def test_for_an_encrypted_study_it_says_the_export_is_not_encrypted_as_the_database_is(tmp_path: Path) -> None:
    from gui.data.exchange_dialogs import plain_note
    from storage.generated.demo import write_demo
    from storage.safety import encryption

    path = tmp_path / "secret.db"
    write_demo(path, "Station 4b Kaffeemaschine").close()
    try:
        assert "Unlike this encrypted database, the exported file is <b>not encrypted</b>" in plain_note(
            path, deidentified=True)
    finally:
        encryption.forget_all()
