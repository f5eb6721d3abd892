"""The Analysis tab's "Cox model" view: covariates and reference in; the Cox model, Gray's test, the
Fine–Gray models and cumulative incidence by group out, from analysis.statistics.models (the same as
``analyze --covariates ... --reference ...``), rounded for reading; the JSON keeps every digit.

The tab hands each new result to :meth:`CoxView.set_result`; the models are computed only while the
view is on screen (or the hazard ratio is asked for on the Kaplan–Meier figure), and after a short
pause, so that a change of grouping does not wait for a model nobody looks at.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from matplotlib.figure import Figure, SubFigure
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from analysis.rendering.report_models import (
    cox_table,
    draw_group_cif_panel,
    fine_gray_table,
    group_cif_caption,
    hazard_ratio_text,
)
from analysis.statistics.cohort import CohortError, CohortResult, fields_for
from analysis.statistics.model_text import models_lines
from analysis.statistics.models import ModelResults, analyse_models, model_terms
from analysis.statistics.relapse_causes import CAUSE_LABELS, CAUSE_NAMES
from analysis.statistics.tables import Table
from gui.analysis.views import FigurePanel, TablePanel

DEFAULT_REFERENCE = "first level (as R)"
DELAY_MS = 150


class CoxView(QWidget):
    changed = Signal()  # the hazard-ratio note for the Kaplan–Meier figure changed: redraw it
    computed = Signal()  # new models are on screen

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result: CohortResult | None = None
        self.models: ModelResults | None = None
        self._stale = True
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DELAY_MS)
        self._timer.timeout.connect(self._compute)

        self.covariates_list = QListWidget()
        self.covariates_list.setToolTip("Covariates adjusted for, beside the grouping field (which comes first)")
        self.covariates_list.setMaximumWidth(230)
        self.reference_combo = QComboBox()
        self.reference_combo.setToolTip("Reference level of the first term (the grouping field): hazard ratios "
                                        "are against it")
        self.reference_combo.setMaximumWidth(230)
        self.on_figure = QCheckBox("HR on the KM figure")
        self.on_figure.setToolTip("Write the Cox hazard ratio of the grouping (and the log-rank p) on the "
                                  "grouped Kaplan–Meier figure, on screen and in exports from this tab")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #8b0000")
        controls = QWidget()
        left = QVBoxLayout(controls)
        left.setContentsMargins(0, 0, 0, 0)
        left.addWidget(QLabel("Covariates"))
        left.addWidget(self.covariates_list, 1)
        left.addWidget(QLabel("Reference"))
        left.addWidget(self.reference_combo)
        left.addWidget(self.on_figure)
        controls.setMaximumWidth(240)

        self.cox_panel = TablePanel(compact=True)
        self.fine_gray_panels = [TablePanel(compact=True) for _ in CAUSE_NAMES]
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        model_page = QWidget()
        page = QVBoxLayout(model_page)
        page.setContentsMargins(0, 0, 0, 0)
        page.addWidget(self.message)
        page.addWidget(self.cox_panel)
        for panel in self.fine_gray_panels:
            page.addWidget(panel)
        page.addStretch(1)
        scroll = QScrollArea()  # the tables keep their height; a small screen scrolls
        scroll.setWidget(model_page)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        text_split = QSplitter(Qt.Orientation.Vertical)
        text_split.addWidget(scroll)
        text_split.addWidget(self.text)
        text_split.setSizes([380, 160])
        self.cif = FigurePanel()
        self.pages = QTabWidget()
        self.pages.addTab(text_split, "Cox and Fine–Gray models")
        self.pages.addTab(self.cif, "Cumulative incidence by group (Gray's test)")
        layout = QHBoxLayout(self)
        layout.addWidget(controls)
        layout.addWidget(self.pages, 1)

        self.covariates_list.itemChanged.connect(self.schedule)
        self.reference_combo.currentIndexChanged.connect(self.schedule)
        self.on_figure.toggled.connect(self._figure_toggled)

    # -- what the tab asks -----------------------------------------------------------------
    def covariates(self) -> tuple[str, ...]:
        out = []
        for i in range(self.covariates_list.count()):
            item = self.covariates_list.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                out.append(str(item.data(Qt.ItemDataRole.UserRole)))
        return tuple(out)

    def reference(self) -> tuple[str, ...]:
        level = self.reference_combo.currentData()
        return () if level is None else (str(level),)

    def tables(self) -> list[Table]:
        """The Cox and Fine–Gray tables on screen (for the spreadsheet export)."""
        if self.models is None or self.models.cox is None:
            return []
        return [cox_table(self.models.cox), *(fine_gray_table(m) for m in self.models.fine_gray)]

    def hazard_ratio_text(self) -> str | None:
        """The HR line for the Kaplan–Meier figure when "HR on the KM figure" is ticked and the model is computed."""
        if self.on_figure.isChecked() and self.result is not None and not self._stale:
            return hazard_ratio_text(self.models, self.result)
        return None

    # -- inputs ----------------------------------------------------------------------------
    def set_result(self, result: CohortResult) -> None:
        previous = self.result
        self.result = result
        if previous is None or previous.custom_kinds != result.custom_kinds:
            self._fill_covariates(result)
        if previous is None or previous.group_by != result.group_by or previous.cases != result.cases:
            self._fill_reference(result)
        self._stale = True
        self.schedule()

    def _fill_covariates(self, result: CohortResult) -> None:
        keep = set(self.covariates())
        self.covariates_list.blockSignals(True)
        self.covariates_list.clear()
        for name, f in fields_for(result.custom_kinds).items():
            if name.startswith("custom:") or f.kind not in ("category", "number"):
                continue
            item = QListWidgetItem(f.label)
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setToolTip(f"{f.label} ({'per unit' if f.kind == 'number' else 'against its reference level'})")
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if name in keep else Qt.CheckState.Unchecked)
            self.covariates_list.addItem(item)
        self.covariates_list.blockSignals(False)

    def _fill_reference(self, result: CohortResult) -> None:
        terms = model_terms(result, self.covariates())
        keep = self.reference_combo.currentData()
        self.reference_combo.blockSignals(True)
        self.reference_combo.clear()
        self.reference_combo.addItem(DEFAULT_REFERENCE, None)
        fields = fields_for(result.custom_kinds)
        first = fields.get(terms[0]) if terms else None
        if first is not None and first.kind != "number":
            for value in sorted({v for v in (first.value(c) for c in result.analysed) if v is not None}):
                self.reference_combo.addItem(f"{first.label} = {first.short_display(value)}", value)
        self.reference_combo.setCurrentIndex(max(0, self.reference_combo.findData(keep)))
        self.reference_combo.setEnabled(self.reference_combo.count() > 1)
        self.reference_combo.blockSignals(False)

    # -- computing -------------------------------------------------------------------------
    def schedule(self) -> None:
        self._stale = True
        if self.result is not None and (self.isVisible() or self.on_figure.isChecked()):
            self._timer.start()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
        if self._stale:
            self.schedule()

    def _figure_toggled(self) -> None:
        if self._stale:
            self.schedule()
        else:
            self.changed.emit()

    def _compute(self) -> None:
        result = self.result
        if result is None:
            return
        if self.result is not None and not self.covariates() and result.group_by:
            self._fill_reference(result)
        try:
            self.models = analyse_models(result, self.covariates(), self.reference())
            self.message.setText("" if self.models.asked else
                                 "Choose a grouping (Group by) or covariates for a Cox model.")
        except (CohortError, ValueError) as exc:
            self.models = None
            self.message.setText(f"No model: {exc}")
        self._stale = False
        self._show()
        self.changed.emit()
        self.computed.emit()

    def _show(self) -> None:
        models, result = self.models, self.result
        has_cox = models is not None and models.cox is not None
        self.cox_panel.setVisible(has_cox)
        if models is not None and models.cox is not None:
            self.cox_panel.set_table(cox_table(models.cox))
        fine = list(models.fine_gray) if models is not None else []
        for panel, model in zip(self.fine_gray_panels, fine + [None] * len(self.fine_gray_panels), strict=False):
            panel.setVisible(model is not None)
            if model is not None:
                panel.set_table(fine_gray_table(model))
        self.text.setPlainText("\n".join(models_lines(models)) if models is not None else "")
        if result is None or models is None or result.group_by is None:
            self.cif.show_drawing(None, "Cumulative incidence by group needs a grouping (Group by).")
            return

        def draw(fig: Figure) -> None:
            subs = cast("Sequence[SubFigure]", fig.subfigures(1, len(CAUSE_NAMES)))  # an array of 2
            for sub, cause in zip(subs, CAUSE_NAMES, strict=True):
                sub.suptitle(CAUSE_LABELS[cause], fontsize=8)
                draw_group_cif_panel(sub, result, cause)

        self.cif.show_drawing(draw, "  ".join(group_cif_caption(result, models, c) for c in CAUSE_NAMES))
