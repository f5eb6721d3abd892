"""The Analysis tab: endpoint, population and grouping in; Kaplan–Meier, medians and landmarks,
log-rank, relapse vs non-relapse mortality, Table 1 and rates out; figures, tables and a PDF
report exported. The numbers come from analysis.statistics.cohort (the same as ``casebook analyze``).

The main window imports this module lazily (matplotlib, numpy, scipy load here, not at
start-up) and calls ``refresh()`` when cases change. Computing runs on a worker thread
(gui.analysis.worker); control changes are debounced.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from matplotlib.figure import Figure
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from analysis.figure_command import report_stamps
from analysis.rendering.figure_files import build_figure, km_caption_text
from analysis.rendering.figure_style import FigureStyle
from analysis.rendering.figures import cif_caption
from analysis.rendering.journal_figures import curve_labels, draw_incidence_axes, draw_survival_panel
from analysis.rendering.journal_files import save_journal_figure
from analysis.rendering.report import (
    ReportContext,
    logrank_text,
    results_table,
    write_report,
)
from analysis.rendering.result_figures import CIF_NON_RELAPSE_LABEL, CIF_RELAPSE_LABEL
from analysis.statistics.cohort import Field, fields_for
from analysis.statistics.tables import write_csv, write_xlsx
from gui.analysis.cox_view import CoxView
from gui.analysis.views import ElidedComboBox, EndpointDialog, FigurePanel, TablePanel, show_full_text
from gui.analysis.worker import (
    AnalysisOutcome,
    AnalysisRequest,
    AnalysisRunner,
    convert_landmarks,
    landmark_rule,
    parse_landmarks,
    unit_columns,
)
from gui.widgets.date_display import notifier, show_dates_in
from gui.widgets.figure_format.dialog import FormatFigureDialog
from gui.widgets.figure_format.keeper import keeper_for
from gui.widgets.file_dialogs import save_file_name
from storage.database import Database
from storage.record.endpoint_definitions import EndpointDefinitionError, create_definition

DEBOUNCE_MS = 250
COLUMN_WIDTHS_MM = {1: 85.0, 2: 174.0}  # export_figure_to(columns=...): single or double journal column
ALL_CASES = "all cases"
NO_GROUPING = "no grouping"
FIGURE_FILTERS = {"PNG image (*.png)": ".png", "TIFF image (*.tiff)": ".tiff", "SVG vector graphic (*.svg)": ".svg",
                  "PDF document (*.pdf)": ".pdf"}


class AnalysisTab(QWidget):
    computed = Signal()  # a new outcome is on screen (tests and screenshots wait for it)

    def __init__(self, database: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.database = database
        self.outcome: AnalysisOutcome | None = None
        self.runner = AnalysisRunner(database, self)
        self.runner.finished.connect(self._show_outcome)
        self.runner.failed.connect(self._show_failure)
        self.runner.busy.connect(lambda busy: self.status.setText("Computing…" if busy else self.status.text()))
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._start)
        self._filling = False
        self._fields: dict[str, Field] = {}
        self._shown_inputs: object = None
        self.style_keeper = keeper_for(database)  # the study's figure style, shared with the Timeline tab
        self.style_keeper.changed.connect(lambda _style: self._redraw())
        self.format_dialog: FormatFigureDialog | None = None
        self._build()
        self.refresh()

    # -- layout ----------------------------------------------------------------------------
    def _build(self) -> None:
        self.endpoint = ElidedComboBox()  # a long endpoint name ends in … (the tooltip has all of it)
        self.new_endpoint = QPushButton("New…")
        self.new_endpoint.setToolTip("Define an endpoint of your own")
        self.where_field = QComboBox()
        self.where_value = QComboBox()
        self.more_where = QLineEdit()
        self.more_where.setPlaceholderText("and… e.g. sex=f; diagnosis=ALL,AML")
        self.more_where.setToolTip("More population conditions, FIELD=VALUE separated by ';' (all must hold; "
                                   "a comma means any of the values), as analyze --where")
        self.more_where.setMinimumWidth(150)
        self.group_by = QComboBox()
        self.landmarks = QLineEdit("12, 36")
        self.landmarks.setMaximumWidth(90)
        self.landmarks.setToolTip("Landmark times in the chosen unit; " + landmark_rule("months"))
        self.landmark_message = QLabel()  # what in the landmark box could not be read, and the rule
        self.landmark_message.setStyleSheet("color: #a00")
        self.landmark_message.hide()
        self.conf_type = QComboBox()
        self.conf_type.addItems(["log", "log-log", "plain"])
        self.conf_type.setToolTip("CI transform for S(t): log (R's default), log-log (SAS, Prism), plain")
        self.conf_level = QComboBox()  # every CI of the tab, the report and the exports
        for level in (0.90, 0.95, 0.99):
            self.conf_level.addItem(f"{100 * level:g}%", level)
        self.conf_level.setCurrentIndex(1)
        self.unit = QComboBox()
        self.unit.addItems(["months", "years", "weeks", "days"])
        self._unit = self.unit.currentText()  # the unit the landmark box's numbers are in
        for combo in (self.endpoint, self.where_field, self.where_value, self.group_by):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.setMinimumContentsLength(8)
            combo.setMaximumWidth(210)
        self.endpoint.setMaximumWidth(330)  # the longest built-in label nearly whole; the tooltip has all of it
        self.show_ci = QCheckBox("CI")
        self.show_ci.setChecked(True)
        self.show_ci.setToolTip("Confidence intervals as the figure style draws them (Format figure…); "
                                "unticked: none")
        row1 = _row(("Endpoint", self.endpoint), (None, self.new_endpoint), ("Population", self.where_field),
                    ("=", self.where_value), (None, self.more_where), ("Group by", self.group_by))
        row2 = _row(("Landmarks", self.landmarks), (None, self.landmark_message), ("CI", self.conf_type), (None, self.conf_level), ("Unit", self.unit), (None, self.show_ci))
        self.format_button = QPushButton("Format figure…")
        self.format_button.setToolTip("Axes, colours, intervals, annotations, legend, font and size of every "
                                      "figure of the study; the preview follows each change")
        self.export_figure_button = QPushButton("Export figure…")
        self.export_tables_button = QPushButton("Export tables…")
        self.report_button = QPushButton("Report (PDF)…")
        for b in (self.format_button, self.export_figure_button, self.export_tables_button, self.report_button):
            row2.addWidget(b)
        self.status = QLabel()
        self.status.setWordWrap(True)

        self.km = FigurePanel()
        self.km_table = TablePanel(compact=True)
        self.logrank = QLabel()
        self.logrank.setWordWrap(True)
        self.warnings = QLabel()
        self.warnings.setWordWrap(True)
        self.warnings.setStyleSheet("color: #8b0000")
        km_side = QWidget()
        side = QVBoxLayout(km_side)
        side.setContentsMargins(0, 0, 0, 0)
        for w in (self.km_table, self.logrank, self.warnings):
            side.addWidget(w)
        side.addStretch(1)
        # in a scroll area: on a short screen the table's footnote scrolls, it never covers the last row
        side_scroll = QScrollArea()
        side_scroll.setWidgetResizable(True)
        side_scroll.setFrameShape(QFrame.Shape.NoFrame)
        side_scroll.setWidget(km_side)
        km_page = QSplitter(Qt.Orientation.Vertical)
        km_page.setChildrenCollapsible(False)
        km_page.addWidget(self.km)
        km_page.addWidget(side_scroll)
        km_page.setStretchFactor(0, 3)
        km_page.setStretchFactor(1, 1)
        km_page.setSizes([560, 240])
        self.cif = FigurePanel()
        self.table1 = TablePanel()
        self.rates = TablePanel()
        self.patients = TablePanel()
        self.explanations = QPlainTextEdit()
        self.explanations.setReadOnly(True)
        notifier().changed.connect(self._show_explanations)
        patients_page = QSplitter(Qt.Orientation.Vertical)
        patients_page.addWidget(self.patients)
        patients_page.addWidget(self.explanations)
        self.views = QTabWidget()
        self.views.addTab(km_page, "Kaplan–Meier")
        self.views.addTab(self.cif, "Relapse / non-relapse mortality")
        self.views.addTab(self.table1, "Table 1")
        self.views.addTab(self.rates, "Rates")
        self.views.addTab(patients_page, "Patients")
        self.cox_view = CoxView()  # issue 13: Cox, Gray's test, Fine–Gray
        self.views.addTab(self.cox_view, "Cox model")
        self.cox_view.changed.connect(self._redraw)
        layout = QVBoxLayout(self)
        layout.addLayout(row1)
        layout.addLayout(row2)
        layout.addWidget(self.status)
        layout.addWidget(self.views, 1)

        for combo in (self.endpoint, self.where_value, self.group_by, self.conf_type, self.conf_level):
            combo.currentIndexChanged.connect(self.schedule)
        self.unit.currentIndexChanged.connect(self._unit_changed)
        self.where_field.currentIndexChanged.connect(self._fill_values)
        for combo in (self.endpoint, self.where_field, self.where_value, self.group_by):
            combo.currentIndexChanged.connect(lambda _i, c=combo: c.setToolTip(c.currentText()))
        self.landmarks.textChanged.connect(self._check_landmarks)
        self.landmarks.textChanged.connect(self.schedule)
        self.more_where.textChanged.connect(self.schedule)
        self.show_ci.toggled.connect(self._redraw)
        self.new_endpoint.clicked.connect(self.define_endpoint)
        self.format_button.clicked.connect(self.format_figure)
        self.export_figure_button.clicked.connect(self.export_figure_dialog)
        self.export_tables_button.clicked.connect(self.export_tables_dialog)
        self.report_button.clicked.connect(self.report_dialog)

    # -- controls --------------------------------------------------------------------------
    def refresh(self) -> None:
        """Cases changed: read the database again (on the worker) and recompute."""
        self.runner.invalidate()
        self.schedule()

    def schedule(self) -> None:
        if not self._filling:
            self._debounce.start()

    def request(self) -> AnalysisRequest:
        field = self.where_field.currentData()
        value = self.where_value.currentData()
        where = ((f"{field}={value}",) if field and value else ()) + tuple(
            part.strip() for part in self.more_where.text().split(";") if part.strip())
        times, _ = parse_landmarks(self.landmarks.text(), self.unit.currentText())
        return AnalysisRequest(
            endpoint=self.endpoint.currentData() or "os", where=where, group_by=self.group_by.currentData(),
            at=tuple(times), conf_type=self.conf_type.currentText(), unit=self.unit.currentText(),
            conf_level=float(self.conf_level.currentData()),
        )

    def _unit_changed(self) -> None:
        """The landmark times keep their meaning: 12, 36 months become 1, 3 years."""
        new = self.unit.currentText()
        old, self._unit = self._unit, new
        self.landmarks.setToolTip("Landmark times in the chosen unit; " + landmark_rule(new))
        converted = convert_landmarks(self.landmarks.text(), old, new)
        if converted != self.landmarks.text():
            self.landmarks.setText(converted)  # schedules the computation
        else:
            self._check_landmarks()
            self.schedule()

    def _check_landmarks(self) -> None:
        _, message = parse_landmarks(self.landmarks.text(), self.unit.currentText())
        self.landmark_message.setText(message)
        self.landmark_message.setToolTip(message)
        self.landmark_message.setVisible(bool(message))

    def _start(self) -> None:
        self.runner.start(self.request())

    def _fill_controls(self, outcome: AnalysisOutcome) -> None:
        """Endpoints and fields come from the database (custom fields, user definitions)."""
        self._filling = True
        try:
            inputs = outcome.inputs
            current = self.endpoint.currentData() or outcome.request.endpoint
            self.endpoint.clear()
            for name, rule in inputs.rules.items():
                self.endpoint.addItem(rule.label, name)  # the name; its key is the item data
            self.endpoint.setCurrentIndex(max(0, self.endpoint.findData(current)))
            fields = fields_for(inputs.custom_kinds)
            self._fields = fields
            categorical = [(n, f) for n, f in fields.items() if f.kind == "category" and not n.startswith("custom:")]
            for combo, first in ((self.where_field, ALL_CASES), (self.group_by, NO_GROUPING)):
                keep = combo.currentData()
                combo.clear()
                combo.addItem(first, None)
                for name, f in categorical:
                    combo.addItem(f.label, name)
                combo.setCurrentIndex(max(0, combo.findData(keep)))
            for combo in (self.endpoint, self.where_field, self.group_by):
                show_full_text(combo)
            self._fill_values()
        finally:
            self._filling = False

    def _fill_values(self) -> None:
        name = self.where_field.currentData()
        keep = self.where_value.currentData()
        was_filling, self._filling = self._filling, True
        self.where_value.clear()
        if name and self.outcome is not None:
            f = self._fields[name]
            values = sorted({v for v in (f.value(c) for c in self.outcome.inputs.summaries) if v is not None})
            for v in values:
                self.where_value.addItem(f.display(v) if f.display(v) == v else f"{f.display(v)} ({v})", v)
            self.where_value.setCurrentIndex(max(0, self.where_value.findData(keep)))
            show_full_text(self.where_value)
        self.where_value.setEnabled(bool(name))
        self._filling = was_filling
        self.schedule()

    # -- results ---------------------------------------------------------------------------
    def _show_outcome(self, outcome: AnalysisOutcome) -> None:
        first = self.outcome is None
        self.outcome = outcome
        if first or outcome.inputs is not self._shown_inputs:
            self._shown_inputs = outcome.inputs
            self._fill_controls(outcome)
        result = outcome.result
        self.status.setText(f"{result.rule.describe()}  Population: {result.population_text()}; "
                            f"{result.overall.n} cases analysed, {len(result.excluded)} not analysed.")
        self.km_table.set_table(unit_columns(results_table(result), result.unit))
        self.logrank.setText(f"{logrank_text(result)}  Median follow-up (reverse Kaplan–Meier): "
                             f"{result.overall.follow_up_text(result.unit)}.")
        self.warnings.setText("\n".join(result.warnings))
        self.table1.set_table(outcome.table1)
        self.rates.set_table(outcome.rates)
        self.patients.set_table(outcome.patients)
        self._show_explanations()
        self.cox_view.set_result(result)
        self._redraw()
        self.computed.emit()

    def _show_explanations(self, _style: str = "") -> None:
        """Each patient's endpoint explanation, its dates as View ▸ Dates shown as says (again when that changes)."""
        if self.outcome is not None:
            self.explanations.setPlainText(show_dates_in("\n".join(self.outcome.explanations)))

    def _show_failure(self, message: str) -> None:
        self.status.setText(f"Cannot analyse: {message}")
        self.km.show_drawing(None, "")
        self.cif.show_drawing(None, "")
        self.computed.emit()

    def figure_style(self) -> FigureStyle:
        """The study's style, without intervals when the CI box is unticked."""
        style = self.style_keeper.style
        return style if self.show_ci.isChecked() else style.changed(ci="none")

    def hazard_ratio_text(self) -> str | None:
        """The hazard ratio line for the figure (e.g. "yes vs no: HR 2.87 (95% CI 0.52 to 15.89), p = 0.2281
        (Cox)") when the Cox view's "HR on the KM figure" is ticked and its model is computed; else None."""
        return self.cox_view.hazard_ratio_text()

    def _with_hr(self, style: FigureStyle, hr: str | None) -> FigureStyle:
        return style.changed(show_hr=True) if hr else style

    def _redraw(self) -> None:
        if self.outcome is None:
            return
        hr = self.hazard_ratio_text()
        result, cif, style = self.outcome.result, self.outcome.cif, self._with_hr(self.figure_style(), hr)

        def km(fig: Figure) -> None:
            draw_survival_panel(fig, result, style, hr)

        self.km.show_drawing(km, km_caption_text(result, style))
        if cif is None:
            self.cif.show_drawing(None, "No case has the dates needed for cumulative incidence.")
        else:
            def draw_cif(fig: Figure) -> None:
                curves = [(CIF_RELAPSE_LABEL, cif.relapse), (CIF_NON_RELAPSE_LABEL, cif.non_relapse_mortality)]
                draw_incidence_axes(fig.add_subplot(1, 1, 1), curves, style, result.unit, None)

            shown = style.ci_mode(2) != "none"
            self.cif.show_drawing(draw_cif, cif_caption(cif.relapse, result.unit, show_ci=shown) + ". " + cif.definition)

    def _figure_kind(self) -> str:
        cif_shown = self.views.currentWidget() is self.cif and self.outcome is not None and self.outcome.cif is not None
        return "cif" if cif_shown else "km"

    def render_figure(self, style: FigureStyle) -> Figure:
        """The figure of the current view (KM, or relapse / non-relapse mortality) as a file will hold it."""
        if self.outcome is None:
            raise ValueError("nothing computed yet")
        style = style if self.show_ci.isChecked() else style.changed(ci="none")
        hr = self.hazard_ratio_text()
        fig, _caption = build_figure(self._figure_kind(), self._with_hr(style, hr), result=self.outcome.result,
                                     hr_text=hr)
        return fig

    def format_figure(self) -> FormatFigureDialog:
        """Open (or raise) the Format figure dialog on the current view's figure."""
        if self.format_dialog is None:
            def labels() -> list[str]:
                if self.outcome is None or self._figure_kind() == "cif":
                    return []
                return curve_labels(self.outcome.result, self.style_keeper.style.changed(legend_texts=()))

            self.format_dialog = FormatFigureDialog(self.style_keeper, self.render_figure, labels,
                                                    default_name="kaplan-meier", parent=self)
            self.computed.connect(self.format_dialog.refresh_preview)
        self.format_dialog.show()
        self.format_dialog.raise_()
        return self.format_dialog

    # -- actions ---------------------------------------------------------------------------
    def define_endpoint(self) -> None:
        dialog = EndpointDialog(self)
        while dialog.exec():
            v = dialog.values()
            try:
                with self.database.session() as session:
                    create_definition(session, v.name, v.label, v.death_is_event, v.relapse_is_event,
                                      v.treatment_failure_is_event, v.death_causes)
            except EndpointDefinitionError as exc:
                dialog.message.setText(str(exc))
                continue
            self.endpoint.addItem(v.label, v.name.lower())
            show_full_text(self.endpoint)
            self.endpoint.setCurrentIndex(self.endpoint.count() - 1)
            self.refresh()
            return

    def export_figure_to(self, path: Path, dpi: int | None = None, columns: int | None = None) -> Path:
        """The current view's figure in the study's style (its dpi and width unless given here)."""
        style = self.style_keeper.style
        if columns is not None:
            style = style.changed(width_mm=COLUMN_WIDTHS_MM[columns])
        return save_journal_figure(self.render_figure(style), path, int(dpi or style.dpi))

    def export_tables_to(self, path: Path) -> Path:
        """XLSX: every table on its own sheet; CSV: the table on screen (Table 1 by default)."""
        if self.outcome is None:
            raise ValueError("Nothing computed yet.")
        o = self.outcome
        tables = [unit_columns(results_table(o.result), o.result.unit), o.table1, o.rates, o.patients]
        models = self.cox_view.tables()
        if path.suffix.lower() == ".xlsx":
            write_xlsx(tables + models, path)
        else:
            current = self.views.currentIndex()
            write_csv((models or tables)[0] if self.views.currentWidget() is self.cox_view else
                      tables[[0, 0, 1, 2, 3][current]], path)
        return path

    def write_report_to(self, path: Path) -> Path:
        if self.outcome is None:
            raise ValueError("Nothing computed yet.")
        inputs = self.outcome.inputs
        freeze, head = report_stamps(self.database)
        context = ReportContext(title=inputs.title, freeze_label=freeze, trail_head=head,
                                definitions=tuple(inputs.rules.values()), custom_kinds=inputs.custom_kinds,
                                covariates=self.cox_view.covariates(), reference=self.cox_view.reference())
        return write_report(path, self.outcome.result, context, show_ci=self.show_ci.isChecked(),
                            style=self.style_keeper.style, hr_text=self.hazard_ratio_text())

    def export_figure_dialog(self) -> None:
        """A file in the study's figure style: PDF/EPS (TrueType fonts), SVG (text), TIFF/PNG at its dpi."""
        path, chosen = save_file_name(self, "Export figure", "kaplan-meier.pdf", ";;".join(FIGURE_FILTERS))
        if path:
            self._run_export(lambda: self.export_figure_to(_with_suffix(path, FIGURE_FILTERS.get(chosen))))

    def export_tables_dialog(self) -> None:
        filters = {"Excel workbook, all tables (*.xlsx)": ".xlsx", "CSV, the table shown (*.csv)": ".csv"}
        path, chosen = save_file_name(self, "Export tables", "tables.xlsx", ";;".join(filters))
        if path:
            self._run_export(lambda: self.export_tables_to(_with_suffix(path, filters.get(chosen))))

    def report_dialog(self) -> None:
        path, _ = save_file_name(self, "Write report", "survival-report.pdf", "PDF document (*.pdf)")
        if path:
            self._run_export(lambda: self.write_report_to(_with_suffix(path, ".pdf")))

    def _run_export(self, action: Callable[[], Path]) -> None:
        try:
            written = action()
        except (OSError, ValueError) as exc:
            QMessageBox.warning(self, "Export", f"Could not write the file: {exc}")
            return
        self.status.setText(f"Wrote {written}")


def _row(*pairs: tuple[str | None, QWidget]) -> QHBoxLayout:
    row = QHBoxLayout()
    for label, widget in pairs:
        if label:
            row.addWidget(QLabel(label))
        row.addWidget(widget)
    row.addStretch(1)
    return row


def _with_suffix(path: str, suffix: str | None) -> Path:
    p = Path(path)
    return p if not suffix or p.suffix else p.with_suffix(suffix)

