"""Child process of the GUI benchmarks: runs the real app (or a bare Qt window) and reports timings.

    python _gui_probe.py MODE [--bare] [--harness] [--passphrase P] -- [main.py arguments]

MODE is one of
  paint   wall-clock time (time.time()) when the first window has finished its first paint
  rows    ... when a visible item view with at least one row has finished painting
  memory  after rows: scroll every item view to its end, let the event loop idle 1 s, report peak RSS
  filter  after rows: type into the case list's filter box, time each keystroke to the finished repaint

The app is started exactly as `python main.py ARGS` would; the probe only wraps QApplication.exec
to install an event filter when the event loop starts. --bare shows a QLabel instead (the floor for
any Qt app); --harness shows the real case list model and proxy in a bare QTableView (for when the
main window has not landed). Prints one JSON line, then leaves at once with os._exit.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

from PySide6 import QtCore, QtWidgets

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_MS = 180_000
KEYS = ["S", "0", "1", "2", "3", "\b", "\b", "\b", "a", "m", "l", "\b", "\b", "\b"]  # "\b": backspace


def _finish(result: dict[str, Any]) -> None:
    result["maxrss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(result), flush=True)
    os._exit(0 if "error" not in result else 1)


def _views() -> list[QtWidgets.QAbstractItemView]:
    found = []
    for top in QtWidgets.QApplication.topLevelWidgets():
        if top.isVisible():
            found += [v for v in top.findChildren(QtWidgets.QAbstractItemView)
                      if v.isVisible() and v.model() is not None and v.model().rowCount() > 0
                      and isinstance(v, QtWidgets.QTableView)]
    return found


def _filter_box(view: QtWidgets.QAbstractItemView) -> QtWidgets.QLineEdit | None:
    window = view.window()
    edits = [e for e in window.findChildren(QtWidgets.QLineEdit) if e.isVisible() and e.isEnabled()]
    for edit in edits:
        hint = f"{edit.objectName()} {edit.placeholderText()} {edit.toolTip()}".lower()
        if "filter" in hint or "search" in hint:
            return edit
    return edits[0] if len(edits) == 1 else None


class Probe(QtCore.QObject):
    def __init__(self, mode: str) -> None:
        super().__init__()
        self.mode = mode
        self.done = False
        self.watch: dict[str, QtWidgets.QWidget] = {}  # filter mode: the widgets being timed
        self.painted: dict[str, float] = {}  # when each finished its first paint after a keystroke
        self.seen: set[str] = set()

    def eventFilter(self, obj: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() != QtCore.QEvent.Type.Paint:
            return False
        if self.watch:
            for name, widget in self.watch.items():
                if obj is widget:
                    self.seen.add(name)  # timed when processEvents returns, i.e. once painted
            return False
        if self.done:
            return False
        if self.mode == "paint" and isinstance(obj, QtWidgets.QWidget) and obj.window().isVisible():
            self.done = True
            QtCore.QTimer.singleShot(0, lambda: _finish({"painted_at": time.time()}))
        elif self.mode != "paint" and _views():
            self.done = True
            QtCore.QTimer.singleShot(0, self._rows_painted)
        return False

    def _rows_painted(self) -> None:
        painted_at = time.time()
        views = _views()
        if not views:  # the view emptied again; keep waiting
            self.done = False
            return
        rows = sum(v.model().rowCount() for v in views)
        if self.mode == "rows":
            _finish({"painted_at": painted_at, "rows": rows})
        elif self.mode == "memory":
            for view in views:
                while view.model().canFetchMore(QtCore.QModelIndex()):
                    view.model().fetchMore(QtCore.QModelIndex())
                view.scrollToBottom()
            QtCore.QTimer.singleShot(1000, lambda: _finish({
                "painted_at": painted_at, "rows": sum(v.model().rowCount() for v in views),
                "rss_mb": _rss_mb()}))
        else:
            self._type(views[0])

    def _type(self, view: QtWidgets.QAbstractItemView) -> None:
        from PySide6.QtTest import QTest

        edit = _filter_box(view)
        if edit is None:
            _finish({"error": "no filter box (QLineEdit named or hinted 'filter'/'search') next to the case list"})
            return
        model = view.model()
        changed: list[bool] = []
        for signal in (model.layoutChanged, model.rowsRemoved, model.rowsInserted, model.modelReset):
            signal.connect(lambda *_: changed.append(True))
        edit.setFocus()
        edit.clear()
        QtWidgets.QApplication.processEvents()
        self.watch = {"list": view.viewport(), "box": edit}
        samples, unchanged = [], []
        loop = QtCore.QEventLoop()
        for key in KEYS:
            changed.clear()
            self.painted, self.seen = {}, set()
            started = time.perf_counter()
            if key == "\b":
                QTest.keyClick(edit, QtCore.Qt.Key.Key_Backspace)
            else:
                QTest.keyClicks(edit, key)
            # Done when the box shows the key and, if the list changed, the list has repainted.
            # A change may come late (a debounce timer), so an unchanged list is awaited for 1 s.
            while time.perf_counter() < started + 10.0:
                loop.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 5)
                now = time.perf_counter()
                for name in self.seen - self.painted.keys():
                    self.painted[name] = now
                if "box" in self.painted and changed and "list" in self.painted:
                    break
                if "box" in self.painted and not changed and time.perf_counter() > started + 1.0:
                    break
            ends = [self.painted.get("box"), self.painted.get("list") if changed else None]
            if changed and ends[1] is None or ends[0] is None:
                samples.append({"text": edit.text(), "rows": model.rowCount(), "ms": None})
                continue
            ms = round((max(t for t in ends if t is not None) - started) * 1000, 2)
            (samples if changed else unchanged).append({"text": edit.text(), "rows": model.rowCount(), "ms": ms})
        self.watch = {}
        _finish({"keystrokes": samples, "unchanged": unchanged, "total_rows": view.model().rowCount()})


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return -1.0


def _answer_passphrase_dialogs(passphrase: str) -> None:
    """As a user who types the passphrase at once: the dialog is built as always, then accepted with it."""
    from gui.data import encryption_dialogs

    def typed(dialog: Any) -> int:
        dialog.new.setText(passphrase)
        return 1

    encryption_dialogs.PassphraseDialog.exec = typed  # type: ignore[method-assign, assignment]


def _install(mode: str, passphrase: str | None = None) -> None:
    original = QtWidgets.QApplication.exec

    def exec_with_probe(*args: Any) -> int:
        if passphrase is not None:  # the database is opened after the first paint, so this comes in time
            _answer_passphrase_dialogs(passphrase)
        app = QtWidgets.QApplication.instance()
        probe = Probe(mode)
        app.installEventFilter(probe)
        app._casebook_probe = probe  # type: ignore[attr-defined]  # keep it alive
        QtCore.QTimer.singleShot(TIMEOUT_MS, lambda: _finish({"error": f"nothing painted in {TIMEOUT_MS} ms"}))
        return int(original())  # a static method: called on the instance, args holds the app

    QtWidgets.QApplication.exec = exec_with_probe  # type: ignore[method-assign]


def _bare() -> int:
    app = QtWidgets.QApplication(sys.argv[:1])
    label = QtWidgets.QLabel("Casebook")
    label.show()
    return int(app.exec())


def _harness(db_path: str) -> int:
    """The real case-list model and proxy in a bare table view with a filter box."""
    sys.path.insert(0, str(ROOT))
    from gui.case_list.table_model import CaseFilterProxy, CaseTableModel
    from storage.database import open_database
    from storage.views.quality import problems_by_case
    from storage.views.summaries import load_summaries

    app = QtWidgets.QApplication(sys.argv[:1])
    db = open_database(Path(db_path))
    with db.session() as session:
        summaries = load_summaries(session)
        problems = problems_by_case(session, summaries)
    model = CaseTableModel()
    model.set_cases(summaries, problems)
    proxy = CaseFilterProxy()
    proxy.setSourceModel(model)
    window = QtWidgets.QWidget()
    layout = QtWidgets.QVBoxLayout(window)
    edit = QtWidgets.QLineEdit(placeholderText="Filter cases")
    edit.textChanged.connect(proxy.set_filter_text)
    view = QtWidgets.QTableView()
    view.setModel(proxy)
    view.setSortingEnabled(True)
    layout.addWidget(edit)
    layout.addWidget(view)
    window.resize(1200, 800)
    window.show()
    return int(app.exec())


def main() -> int:
    argv = sys.argv[1:]
    mode = argv.pop(0)
    app_args = argv[argv.index("--") + 1:] if "--" in argv else []
    passphrase = argv[argv.index("--passphrase") + 1] if "--passphrase" in argv[:argv.index("--") if "--" in argv else None] else None
    _install(mode, passphrase)
    if "--bare" in argv:
        return _bare()
    if "--harness" in argv:
        return _harness(app_args[app_args.index("--db") + 1])
    sys.path.insert(0, str(ROOT))
    sys.argv = [str(ROOT / "main.py"), *app_args]
    import main as casebook

    return int(casebook.main(app_args))


if __name__ == "__main__":
    sys.exit(main())
