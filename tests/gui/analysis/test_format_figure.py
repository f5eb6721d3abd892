"""Format figure: a change shows in the preview and on screen, is stored in the study's database (and
found again when the database is reopened), is undone and redone, and is used by every export."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QUndoStack
from pytestqt.qtbot import QtBot

from analysis.rendering.figure_style import DEFAULT_STYLE, FigureStyle
from analysis.rendering.style_store import load_style
from gui.analysis.tab import AnalysisTab
from gui.widgets.figure_format.keeper import StyleChange, StyleKeeper
from storage.database import Database, open_database


def wait(qtbot: QtBot, tab: AnalysisTab) -> None:
    with qtbot.waitSignal(tab.computed, timeout=30000):
        pass


@pytest.fixture
def tab(qtbot: QtBot, demo_db: Database) -> AnalysisTab:
    widget = AnalysisTab(demo_db)
    qtbot.addWidget(widget)
    widget.resize(1280, 760)
    widget.show()
    if widget.outcome is None:
        wait(qtbot, widget)
    return widget


def stored(database: Database) -> FigureStyle:
    with database.session() as session:
        return load_style(session)


def test_style_change_on_a_bare_undo_stack(demo_db: Database) -> None:
    keeper = StyleKeeper(demo_db)
    stack = QUndoStack()
    stack.push(StyleChange(keeper, DEFAULT_STYLE, FigureStyle(palette="greyscale"), "greyscale"))
    assert stored(demo_db).palette == "greyscale"
    stack.undo()
    assert stored(demo_db) == DEFAULT_STYLE and keeper.style == DEFAULT_STYLE
    stack.redo()
    assert keeper.style.palette == "greyscale"


def test_typing_in_one_box_is_one_undo_step(demo_db: Database) -> None:
    keeper = StyleKeeper(demo_db)
    for size in (7.5, 8.0, 8.5):
        keeper.change(keeper.style.changed(font_size=size), "font size", merge_key=3)
    keeper.change(keeper.style.changed(show_n=True), "n", merge_key=4)
    assert keeper.undo_stack.count() == 2
    keeper.undo_stack.undo()
    keeper.undo_stack.undo()
    assert keeper.style.font_size == 7.0


def test_dialog_change_is_previewed_stored_reopened_and_undone(qtbot: QtBot, tab: AnalysisTab,
                                                               tmp_path: Path) -> None:
    dialog = tab.format_figure()
    qtbot.addWidget(dialog)
    before = dialog.preview.pixmap().toImage()
    dialog.controls["y_scale"].setCurrentIndex(dialog.controls["y_scale"].findData("proportion"))
    dialog.controls["show_median"].setChecked(True)
    dialog.refresh_preview()
    assert dialog.preview.pixmap().toImage() != before  # the preview follows the change
    assert tab.km.figure.axes[0].get_ylabel() == "Overall survival"  # and so does the tab's figure
    assert stored(tab.database).y_scale == "proportion" and stored(tab.database).show_median
    # reopened with the database, the style is still there
    path = Path(tab.database.path)
    again = open_database(path, backup=False)
    try:
        with again.session() as session:
            assert load_style(session).y_scale == "proportion"
    finally:
        again.close()
    dialog.undo_button.click()
    assert not stored(tab.database).show_median and not dialog.controls["show_median"].isChecked()
    dialog.undo_button.click()
    assert stored(tab.database).y_scale == "percent"
    assert tab.km.figure.axes[0].get_ylabel() == "Overall survival (%)"
    dialog.redo_button.click()
    assert stored(tab.database).y_scale == "proportion"


def test_reset_to_default_is_one_undoable_step(qtbot: QtBot, tab: AnalysisTab) -> None:
    dialog = tab.format_figure()
    qtbot.addWidget(dialog)
    dialog.controls["palette"].setCurrentIndex(dialog.controls["palette"].findData("greyscale"))
    dialog.controls["font_size"].setValue(9.0)
    dialog.reset_button.click()
    assert stored(tab.database) == DEFAULT_STYLE
    dialog.undo_button.click()
    assert stored(tab.database).palette == "greyscale" and stored(tab.database).font_size == 9.0


def test_a_number_that_cannot_be_read_names_the_rule(qtbot: QtBot, tab: AnalysisTab) -> None:
    dialog = tab.format_figure()
    qtbot.addWidget(dialog)
    dialog.controls["x_step"].setText("twelve")
    dialog.controls["x_step"].textEdited.emit("twelve")
    assert "must be numbers" in dialog.message.text()
    assert stored(tab.database).x_step is None  # nothing half-applied
    dialog.controls["x_step"].setText("6")
    dialog.controls["x_step"].textEdited.emit("6")
    assert list(tab.km.figure.axes[0].get_xticks())[:3] == [0, 6, 12]


def test_saved_style_is_applied_and_exports_and_report_use_it(qtbot: QtBot, tab: AnalysisTab, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from PIL import Image
    from PySide6.QtWidgets import QInputDialog

    dialog = tab.format_figure()
    qtbot.addWidget(dialog)
    dialog.controls["width_mm"].setValue(114.0)
    dialog.controls["dpi"].setCurrentIndex(dialog.controls["dpi"].findData("600"))
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Journal 1.5 columns", True))
    dialog.save_button.click()
    dialog.reset_button.click()
    assert dialog.saved.currentText() == "Journal 1.5 columns"
    dialog.use_button.click()
    assert tab.style_keeper.style.width_mm == 114.0
    with Image.open(tab.export_figure_to(tmp_path / "km.tiff")) as image:
        assert image.info["dpi"] == pytest.approx((600, 600))
        assert image.size[0] == pytest.approx(114 / 25.4 * 600, abs=1)
    written = dialog.export_to(tmp_path / "km.svg")
    assert 'width="323.' in written.read_text()[:2000]  # 114 mm
    from analysis.rendering.figure_style import resolve_font

    report = tab.write_report_to(tmp_path / "report.pdf").read_bytes()
    assert b"/Type3" not in report and resolve_font().replace(" ", "").encode() in report


def test_dialog_says_which_font_is_used(qtbot: QtBot, tab: AnalysisTab) -> None:
    from analysis.rendering.figure_style import resolve_font

    dialog = tab.format_figure()
    qtbot.addWidget(dialog)
    assert dialog.font_used.text().startswith(f"Font used: {resolve_font()}")
    assert "85 × " in dialog.preview_note.text()
