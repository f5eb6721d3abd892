"""Screenshots of the reason for a change (issue 14, point 15): ``python tests/screenshots/change_reason_shots.py OUT``.

The main window at 1366×768 (the ward screen) on a temporary demo database: the case form with an
optional reason typed beside Save, the same after a data freeze (the reason marked required), and the
deletion's confirmation with its reason. Never touches the user's own data.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path


def _settle() -> None:
    from PySide6.QtCore import QCoreApplication

    for _ in range(20):
        QCoreApplication.processEvents()
        time.sleep(0.01)


def shoot(out: Path) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from gui.data.change_reasons import DeleteCaseDialog
    from gui.shell.main_window import MainWindow
    from gui.shell.settings import Settings
    from storage.generated.demo import write_demo
    from storage.safety.freeze import freeze_dataset

    app = QApplication.instance() or QApplication(sys.argv)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        db = write_demo(Path(tmp) / "demo.db")
        settings = Settings(QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat))
        window = MainWindow(db, settings)
        window.resize(1366, 768)
        window.show()
        summary = next(s for s in window.case_list.model.summaries() if s.study_id == "P04")
        window.show_case(summary.case_id)
        assert window.form is not None
        window.form.identification.fields["identity.hospital_number"].setFocus()
        window.form.save_row.reason.setText("corrected from the source document")
        _settle()
        for name, widget in (("form_reason_optional.png", window), ("save_row.png", window.form.save_row)):
            widget.grab().save(str(out / name))
            written.append(out / name)
        with db.session() as session:
            freeze_dataset(session, dt.date(2022, 1, 1))
        window.form.load(summary.case_id)  # shown again: the reason is now required
        _settle()
        window.grab().save(str(out / "form_reason_required.png"))
        written.append(out / "form_reason_required.png")
        dialog = DeleteCaseDialog(window, "P04", required=True)
        dialog.show()
        _settle()
        dialog.grab().save(str(out / "delete_dialog_required.png"))
        written.append(out / "delete_dialog_required.png")
        dialog.close()
        window.close()
        db.close()
    app.processEvents()
    return written


if __name__ == "__main__":
    for path in shoot(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots/reasons")):
        print(path)
