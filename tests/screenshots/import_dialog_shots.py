"""Regenerate docs/screenshots/import_mapping.png and import_preview.png:
``QT_QPA_PLATFORM=offscreen python tests/screenshots/import_dialog_shots.py [--size 1366x768]``.

The import dialog on the authors' sheet of the eight published cases (German headers and values, written
by the tests' german_sheet helper into a temporary folder, with one sex written 'x' so that the value
mapping shows a value without a code), on a temporary database: never the user's own data.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", default="1366x768", help="screen size the dialog is fitted to (default 1366x768)")
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = p.parse_args()
    width, height = (int(x) for x in args.size.split("x"))

    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from gui.data.import_dialog import ImportDialog
    from storage.database import create_database
    from tests.storage.interchange import german_sheet

    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        db = create_database(work / "study.db")
        rows = german_sheet.rows()
        rows[2][german_sheet.HEADER.index("Geschlecht")] = "x"
        import csv

        path = work / "Mel_AraC_Tuebingen.csv"
        with path.open("w", encoding="cp1252", newline="") as fh:
            writer = csv.writer(fh, delimiter=";")
            writer.writerow(german_sheet.HEADER)
            writer.writerows(rows)
        dialog = ImportDialog(db, path=path)
        dialog.resize(width - 40, height - 60)
        dialog.show()
        loop = QEventLoop()

        def settle(until: object = None, timeout: float = 60) -> None:
            start = time.time()
            while until is not None and not until() and time.time() < start + timeout:  # type: ignore[operator]
                loop.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
            for _ in range(10):
                loop.processEvents()

        dialog.check_button.click()
        settle(lambda: dialog.report is not None)
        box = dialog.panel.target_box("Melphalan Dosis")
        if box is not None:
            dialog.panel.columns.scrollToItem(dialog.panel.columns.item(16, 0))
        settle()
        args.out.mkdir(parents=True, exist_ok=True)
        dialog.grab().save(str(args.out / "import_mapping.png"))
        dialog.tabs.setCurrentIndex(1)
        dialog.problems.setCurrentRow(0)
        settle()
        dialog.grab().save(str(args.out / "import_preview.png"))
        print(f"wrote {args.out / 'import_mapping.png'} and import_preview.png; {dialog.summary.text()}")
        dialog.close()
        db.close()
    del app


if __name__ == "__main__":
    main()
