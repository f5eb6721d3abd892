"""The Format figure dialog: every control of the figure style on the left, the figure as it will be
written (its physical size, its font) on the right, redrawn after each change. Changes go through the
keeper's undo stack (Undo, Redo, Reset to default); named styles are saved in the study's database.

The dialog only collects values; the keeper stores them and analysis.rendering draws and writes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QImage, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from analysis.rendering.figure_style import (
    ANNOTATION_POSITIONS,
    CENSOR_MARKERS,
    CI_MODES,
    DPI_CHOICES,
    FONT_CHOICES,
    LEGEND_POSITIONS,
    LINE_STYLES,
    RISK_TABLES,
    WIDTH_PRESETS,
    FigureStyle,
    StyleError,
    font_note,
)
from analysis.rendering.journal_files import ExportError, save_journal_figure
from gui.widgets.figure_format.keeper import StyleKeeper

MIN_PREVIEW_DPI, MAX_PREVIEW_DPI = 60.0, 220.0  # the preview fills its pane, as large as it fits
MAX_GROUPS = 6
SURVIVAL_SECTIONS = ("x axis", "y axis", "curves", "intervals", "annotations", "legend", "font", "files")
TIMELINE_SECTIONS = ("legend", "font", "files")
FILE_FILTERS = {"PDF document (*.pdf)": ".pdf", "TIFF image (*.tiff)": ".tiff", "PNG image (*.png)": ".png",
                "SVG vector graphic (*.svg)": ".svg", "EPS (*.eps)": ".eps"}
CUSTOM = "custom width"


def _number_or_none(text: str) -> float | None:
    text = text.strip().replace(",", ".")
    return None if not text else float(text)


class FormatFigureDialog(QDialog):
    """``render(style)`` draws the figure the dialog formats; ``labels()`` names its curves."""

    def __init__(self, keeper: StyleKeeper, render: Callable[[FigureStyle], Figure],
                 labels: Callable[[], Sequence[str]] = lambda: (), sections: Sequence[str] = SURVIVAL_SECTIONS,
                 default_name: str = "figure", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Format figure")
        self.keeper, self.draw, self.labels, self.sections = keeper, render, labels, tuple(sections)
        self.default_name = default_name
        self._updating = False
        self._keys: dict[str, int] = {}
        self._preview = QTimer(self)
        self._preview.setSingleShot(True)
        self._preview.setInterval(120)
        self._preview.timeout.connect(self.refresh_preview)
        self._build()
        keeper.changed.connect(self._style_changed)
        self._show_style(keeper.style)
        self.refresh_preview()

    # -- layout ----------------------------------------------------------------------------
    def _build(self) -> None:
        form_host = QWidget()
        column = QVBoxLayout(form_host)
        self.controls: dict[str, Any] = {}
        c = self.controls
        if "x axis" in self.sections:
            box = self._group(column, "X axis (time)")
            c["x_start"] = self._spin(0.0, -1e5, 1e5, 1.0)
            c["x_end"] = self._line("from the data (last follow-up)")
            c["x_step"] = self._line("clinical default for the unit")
            c["x_label"] = self._line("Time (unit)")
            for label, key in (("Start", "x_start"), ("End", "x_end"), ("Tick interval", "x_step"), ("Title", "x_label")):
                box.addRow(label, c[key])
        if "y axis" in self.sections:
            box = self._group(column, "Y axis")
            c["y_scale"] = self._combo({"percent": "percent (0–100)", "proportion": "proportion (0–1)"})
            c["y_min"] = self._spin(0.0, 0.0, 100.0, 5.0, suffix=" %")
            c["y_max"] = self._spin(100.0, 0.0, 120.0, 5.0, suffix=" %")
            c["y_label"] = self._line("the endpoint's name")
            for label, key in (("Scale", "y_scale"), ("From", "y_min"), ("To", "y_max"), ("Title", "y_label")):
                box.addRow(label, c[key])
        if "curves" in self.sections:
            box = self._group(column, "Curves (one row per group)")
            c["palette"] = self._combo({"okabe-ito": "colour-blind safe (Okabe–Ito)", "greyscale": "greyscale for print"})
            c["line_width"] = self._spin(1.0, 0.1, 5.0, 0.25, decimals=2, suffix=" pt")
            box.addRow("Palette", c["palette"])
            box.addRow("Line width", c["line_width"])
            self.group_rows: list[tuple[QLabel, QLineEdit, QComboBox, QLineEdit]] = []
            for i in range(MAX_GROUPS):
                name = QLabel()
                colour = self._line("palette", key=f"colors:{i}")
                colour.setMaximumWidth(80)
                line = self._combo({"": "palette", **{s: s for s in LINE_STYLES}}, key=f"line_styles:{i}")
                text = self._line("legend text", key=f"legend_texts:{i}")
                row = QHBoxLayout()
                for w in (colour, line, text):
                    row.addWidget(w)
                box.addRow(name, row)
                self.group_rows.append((name, colour, line, text))
        if "intervals" in self.sections:
            box = self._group(column, "Confidence intervals and censor marks")
            c["ci"] = self._combo({m: {"auto": "band alone, none when groups are compared"}.get(m, m) for m in CI_MODES})
            c["ci_alpha"] = self._spin(0.15, 0.0, 1.0, 0.05, decimals=2)
            c["censor_marks"] = self._check("censor marks")
            c["censor_marker"] = self._combo({k: f"{k}  {v}" for k, v in CENSOR_MARKERS.items()})
            c["censor_size"] = self._spin(5.0, 0.5, 20.0, 0.5, decimals=1, suffix=" pt")
            for label, key in (("Intervals", "ci"), ("Band opacity", "ci_alpha"), ("", "censor_marks"),
                               ("Mark", "censor_marker"), ("Mark size", "censor_size")):
                box.addRow(label, c[key])
        if "annotations" in self.sections:
            box = self._group(column, "Annotations")
            c["show_p"] = self._check("log-rank p (with the test's name)")
            c["show_median"] = self._check("median per group (with CI)")
            c["show_n"] = self._check("n per group")
            c["landmark_times"] = self._line("e.g. 12, 36: rates with CI at these times")
            c["show_hr"] = self._check("hazard ratio with CI (from the Cox model, when available)")
            c["annotation_position"] = self._combo({p: p for p in ANNOTATION_POSITIONS})
            for label, key in (("", "show_p"), ("", "show_median"), ("", "show_n"), ("Rates at", "landmark_times"),
                               ("", "show_hr"), ("Where", "annotation_position")):
                box.addRow(label, c[key])
        if "legend" in self.sections:
            box = self._group(column, "Legend and title")
            if "curves" in self.sections:
                c["legend_position"] = self._combo({p: {"above": "above the plot", "right": "right of the plot"}
                                                    .get(p, p if p == "none" else f"inside, {p}") for p in LEGEND_POSITIONS})
                c["legend_title"] = self._line("the grouping (and the population)")
                box.addRow("Legend", c["legend_position"])
                box.addRow("Legend title", c["legend_title"])
            c["title"] = self._line("none")
            box.addRow("Figure title", c["title"])
        if "font" in self.sections:
            box = self._group(column, "Font and size")
            c["font_family"] = self._combo({f: f for f in FONT_CHOICES})
            c["font_size"] = self._spin(7.0, 4.0, 24.0, 0.5, decimals=1, suffix=" pt")
            self.font_used = QLabel()
            self.font_used.setWordWrap(True)
            self.font_used.setStyleSheet("color: #444")
            width_key = "width_mm" if "curves" in self.sections else "timeline_width_mm"
            self.width_key = width_key
            self.preset = QComboBox()
            self.preset.addItems([*WIDTH_PRESETS, CUSTOM])
            self.preset.currentTextChanged.connect(self._preset_chosen)
            c[width_key] = self._spin(85.0, 30.0, 500.0, 1.0, decimals=0, suffix=" mm")
            c["height_mm"] = self._spin(0.0, 0.0, 500.0, 1.0, decimals=0, suffix=" mm")
            c["height_mm"].setSpecialValueText("from the width")
            for label, key in (("Font", "font_family"), ("Size", "font_size")):
                box.addRow(label, c[key])
            box.addRow("", self.font_used)
            box.addRow("Width", self.preset)
            box.addRow("", c[width_key])
            box.addRow("Height", c["height_mm"])
            if "curves" in self.sections:
                c["risk_table"] = self._combo(RISK_TABLES)
                box.addRow("Table below", c["risk_table"])
        if "files" in self.sections:
            box = self._group(column, "Files")
            c["dpi"] = self._combo({str(d): f"{d} dpi" for d in DPI_CHOICES})
            c["caption"] = self._check("print the conventions caption into the image")
            box.addRow("Raster files", c["dpi"])
            box.addRow("", c["caption"])
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(form_host)
        scroll.setMinimumWidth(440)

        self.preview = QLabel()
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setStyleSheet("background: white; border: 1px solid #ccc")
        self.preview_note = QLabel()
        self.preview_note.setWordWrap(True)
        self.message = QLabel()
        self.message.setStyleSheet("color: #a00")
        self.message.setWordWrap(True)
        self.preview_scroll = QScrollArea()
        self.preview_scroll.setWidgetResizable(True)
        self.preview_scroll.setWidget(self.preview)
        right = QVBoxLayout()
        right.addWidget(self.preview_scroll, 1)
        right.addWidget(self.preview_note)
        right.addWidget(self.message)

        self.undo_button = QPushButton("Undo")
        self.redo_button = QPushButton("Redo")
        self.reset_button = QPushButton("Reset to default")
        self.saved = QComboBox()
        self.use_button = QPushButton("Use")
        self.save_button = QPushButton("Save as…")
        self.export_button = QPushButton("Export…")
        close = QPushButton("Close")
        self.undo_button.clicked.connect(self.keeper.undo_stack.undo)
        self.redo_button.clicked.connect(self.keeper.undo_stack.redo)
        self.keeper.undo_stack.canUndoChanged.connect(self.undo_button.setEnabled)
        self.keeper.undo_stack.canRedoChanged.connect(self.redo_button.setEnabled)
        self.undo_button.setEnabled(self.keeper.undo_stack.canUndo())
        self.redo_button.setEnabled(self.keeper.undo_stack.canRedo())
        self.reset_button.clicked.connect(self.keeper.reset)
        self.use_button.clicked.connect(self._use_saved)
        self.save_button.clicked.connect(self._save_as)
        self.export_button.clicked.connect(self.export_dialog)
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        for button in (self.undo_button, self.redo_button, self.reset_button, QLabel("Saved styles:"), self.saved,
                       self.use_button, self.save_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(close)
        body = QHBoxLayout()
        body.addWidget(scroll)
        body.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addLayout(buttons)
        self._connect()
        self._fill_saved()
        self.resize(1240, 700)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        self._preview.start()  # redrawn to fill the pane once the resizing stops

    def _group(self, column: QVBoxLayout, title: str) -> QFormLayout:
        box = QGroupBox(title)
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        column.addWidget(box)
        return form

    def _key(self, name: str) -> int:
        return self._keys.setdefault(name, len(self._keys))

    def _line(self, placeholder: str, key: str | None = None) -> QLineEdit:
        w = QLineEdit()
        w.setPlaceholderText(placeholder)
        if key is not None:
            w.textEdited.connect(lambda _t, k=key: self._edited(k))
        return w

    def _spin(self, value: float, low: float, high: float, step: float, decimals: int = 1, suffix: str = "") -> QDoubleSpinBox:
        w = QDoubleSpinBox()
        w.setRange(low, high)
        w.setDecimals(decimals)
        w.setSingleStep(step)
        w.setValue(value)
        w.setSuffix(suffix)
        return w

    def _combo(self, items: dict[str, str], key: str | None = None) -> QComboBox:
        w = QComboBox()
        for data, text in items.items():
            w.addItem(text, data)
        if key is not None:
            w.currentIndexChanged.connect(lambda _i, k=key: self._edited(k))
        return w

    def _check(self, text: str) -> QCheckBox:
        return QCheckBox(text)

    def _connect(self) -> None:
        """Each control is its own undo step (typing in one box merges into one)."""
        for key, w in self.controls.items():
            if isinstance(w, QCheckBox):
                w.toggled.connect(lambda _b, k=key: self._edited(k))
            elif isinstance(w, QComboBox):
                w.currentIndexChanged.connect(lambda _i, k=key: self._edited(k))
            elif isinstance(w, QDoubleSpinBox):
                w.valueChanged.connect(lambda _v, k=key: self._edited(k))
            else:
                w.textEdited.connect(lambda _t, k=key: self._edited(k))

    # -- style <-> controls ----------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        """The style's fields as the controls hold them (raises StyleError on an unreadable number)."""
        c = self.controls
        out: dict[str, Any] = {}
        for key, w in c.items():
            if isinstance(w, QCheckBox):
                out[key] = w.isChecked()
            elif isinstance(w, QComboBox):
                out[key] = int(w.currentData()) if key == "dpi" else w.currentData()
            elif isinstance(w, QDoubleSpinBox):
                out[key] = w.value()
            else:
                out[key] = w.text().strip()
        try:
            for key in ("x_end", "x_step"):
                if key in out:
                    out[key] = _number_or_none(out[key])
            if "landmark_times" in out:
                parts = [p for p in out["landmark_times"].replace(";", ",").split(",") if p.strip()]
                out["landmark_times"] = tuple(float(p.replace(" ", "")) for p in parts)
        except ValueError:
            raise StyleError("x_end, x_step and the rates' times must be numbers (e.g. 72, 12 or 12, 36)") from None
        for key in ("y_min", "y_max"):
            if key in out:
                out[key] = out[key] / 100.0
        if "height_mm" in out:
            out["height_mm"] = out["height_mm"] or None
        if "curves" in self.sections:
            n = len(self.labels())
            out["colors"] = tuple(r[1].text().strip() for r in self.group_rows[:n])
            out["line_styles"] = tuple(r[2].currentData() for r in self.group_rows[:n])
            out["legend_texts"] = tuple(r[3].text().strip() for r in self.group_rows[:n])
        return out

    def _edited(self, key: str) -> None:
        if self._updating:
            return
        try:
            new = self.keeper.style.changed(**self.values())
        except (StyleError, TypeError) as exc:
            self.message.setText(f"Not applied: {exc}")
            return
        self.message.setStyleSheet("color: #a00")
        self.message.setText("")
        self.keeper.change(new, f"Change {key.split(':')[0].replace('_', ' ')}", self._key(key))

    def _style_changed(self, style: FigureStyle) -> None:
        self._show_style(style)
        self._preview.start()

    def _show_style(self, style: FigureStyle) -> None:
        self._updating = True
        try:
            for key, w in self.controls.items():
                value = getattr(style, key)
                if isinstance(w, QCheckBox):
                    w.setChecked(bool(value))
                elif isinstance(w, QComboBox):
                    w.setCurrentIndex(max(0, w.findData(str(value) if key == "dpi" else value)))
                elif isinstance(w, QDoubleSpinBox):
                    w.setValue(100.0 * value if key in ("y_min", "y_max") else (value or 0.0))
                elif key == "landmark_times":
                    self._set_text(w, ", ".join(f"{t:g}" for t in value))
                else:
                    self._set_text(w, "" if value is None else (f"{value:g}" if isinstance(value, float) else str(value)))
            if "curves" in self.sections:
                labels = list(self.labels())
                for i, (name, colour, line, text) in enumerate(self.group_rows):
                    shown = i < len(labels)
                    for part in (name, colour, line, text):
                        part.setVisible(shown)
                    if shown:
                        name.setText(labels[i][:24])
                        colour.setPlaceholderText(style.color(i) if not style.colors[i:i + 1] or not style.colors[i]
                                                  else "palette")
                        self._set_text(colour, style.colors[i] if i < len(style.colors) else "")
                        line.setCurrentIndex(max(0, line.findData(style.line_styles[i] if i < len(style.line_styles) else "")))
                        text.setPlaceholderText(labels[i])
                        self._set_text(text, style.legend_texts[i] if i < len(style.legend_texts) else "")
            if "font" in self.sections:
                self.font_used.setText("Font used: " + font_note(style))
                width = getattr(style, self.width_key)
                preset = next((p for p, mm in WIDTH_PRESETS.items() if mm == width), CUSTOM)
                self.preset.setCurrentText(preset)
        finally:
            self._updating = False

    @staticmethod
    def _set_text(w: QLineEdit, text: str) -> None:
        if w.text() != text and not w.hasFocus():  # never move the cursor of the box being typed in
            w.setText(text)

    def _preset_chosen(self, preset: str) -> None:
        if self._updating or preset == CUSTOM:
            return
        self.controls[self.width_key].setValue(WIDTH_PRESETS[preset])

    # -- preview ---------------------------------------------------------------------------
    def refresh_preview(self) -> None:
        style = self.keeper.style
        try:
            fig = self.draw(style)
        except (ValueError, StyleError) as exc:
            self.preview.setText(f"Nothing to preview: {exc}")
            return
        canvas = FigureCanvasAgg(fig)
        area = self.preview_scroll.viewport().size()
        w_in, h_in = (float(v) for v in fig.get_size_inches())
        dpi = max(MIN_PREVIEW_DPI, min(MAX_PREVIEW_DPI, (area.width() - 12) / w_in, (area.height() - 12) / h_in))
        fig.set_dpi(dpi)
        canvas.draw()  # type: ignore[no-untyped-call]
        w, h = canvas.get_width_height()
        image = QImage(bytes(canvas.buffer_rgba()), w, h, 4 * w, QImage.Format.Format_RGBA8888)  # type: ignore[no-untyped-call]
        self.preview.setPixmap(QPixmap.fromImage(image.copy()))
        width_mm, height_mm = (25.4 * float(v) for v in fig.get_size_inches())
        self.preview_note.setText(f"As the file will be: {width_mm:.0f} × {height_mm:.0f} mm, font "
                                  f"{font_note(style).split(' (')[0]} {style.font_size:g} pt (preview scaled to the pane; "
                                  f"raster files at {style.dpi} dpi).")

    # -- saved styles and export -----------------------------------------------------------
    def _fill_saved(self) -> None:
        self.saved.clear()
        self.saved.addItems(self.keeper.names())
        self.use_button.setEnabled(self.saved.count() > 0)

    def _save_as(self) -> None:
        name, ok = QInputDialog.getText(self, "Save figure style", "Name of the style (e.g. the journal's):")
        if ok and name.strip():
            try:
                self.keeper.save_as(name.strip())
            except StyleError as exc:
                QMessageBox.warning(self, "Save figure style", str(exc))
                return
            self._fill_saved()
            self.saved.setCurrentText(name.strip())

    def _use_saved(self) -> None:
        if self.saved.currentText():
            self.keeper.use_saved(self.saved.currentText())

    def export_to(self, path: Path) -> Path:
        return save_journal_figure(self.draw(self.keeper.style), path, self.keeper.style.dpi)

    def export_dialog(self) -> None:
        path, chosen = QFileDialog.getSaveFileName(self, "Export figure", f"{self.default_name}.pdf", ";;".join(FILE_FILTERS))
        if not path:
            return
        target = Path(path)
        if not target.suffix:
            target = target.with_suffix(FILE_FILTERS.get(chosen, ".pdf"))
        try:
            written = self.export_to(target)
        except (OSError, ValueError, ExportError) as exc:
            QMessageBox.warning(self, "Export figure", f"Could not write the file: {exc}")
            return
        self.message.setStyleSheet("color: #060")
        self.message.setText(f"Wrote {written}")
