"""The Timeline tab: patient timelines and the cohort swimmer plot on a matplotlib canvas.

The main window imports this module lazily (matplotlib is heavy; start-up stays fast) and calls
``refresh()`` whenever cases change. Drawing itself lives in analysis.rendering.timeline_figures, so the
same figure goes into reports; this module only wires the canvas to Qt: controls, hover
tooltips, clicks that open a record in the case form, and export through a file dialog.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from matplotlib import rc_context
from matplotlib.backend_bases import MouseEvent, PickEvent
from matplotlib.backends.backend_qt import NavigationToolbar2QT
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from PySide6.QtCore import QSize, QTimer, Signal
from PySide6.QtGui import QCursor, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from analysis.rendering.figure_files import timeline_kind_figure
from analysis.rendering.figure_style import FigureStyle, axis_ticks
from analysis.rendering.journal_files import save_journal_figure
from analysis.rendering.timeline_figures import (
    DrawnPlot,
    PickTarget,
    draw_patient_timeline,
    draw_swimmer_plot,
    style,
)
from gui.widgets.date_display import notifier, show_dates_in
from gui.widgets.figure_format.dialog import TIMELINE_SECTIONS, FormatFigureDialog
from gui.widgets.figure_format.keeper import keeper_for
from gui.widgets.file_dialogs import save_file_name
from storage.database import Database
from storage.views.timelines import CaseTimeline, count_cases, load_timelines

TIMELINE, SWIMMER = "Patient timeline", "Swimmer plot"
MONTHS, CALENDAR = "Months from time zero", "Calendar dates"
AROUND_SALVAGE, WHOLE_HISTORY = "Around salvage (−3 to +15 months)", "Whole history (from diagnosis)"
AROUND_SALVAGE_MONTHS = (-3.0, 15.0)
SCREEN_FONT_PT = 10.0
SCREEN_MARKER_SCALE = 1.7  # journal marker sizes are for 7-pt print; a screen wants them larger
MAX_LANES = 150  # beyond this a lane is thinner than a line of text; the caption says what was left out
EXPORT_FILTERS = {"PNG image, 300 dpi (*.png)": ".png", "SVG vector graphic (*.svg)": ".svg",
                  "PDF document (*.pdf)": ".pdf"}


class _DebouncedCanvas(FigureCanvasQTAgg):
    """A canvas that re-lays out its figure once the user stops resizing, not on every pixel."""

    def __init__(self, figure: Figure, delay_ms: int = 150) -> None:
        super().__init__(figure)  # type: ignore[no-untyped-call]
        self._resize_timer = QTimer(self)
        self._resize_timer.setSingleShot(True)
        self._resize_timer.setInterval(delay_ms)
        self._resize_timer.timeout.connect(self._apply_resize)
        self._pending: QSize | None = None
        self._applied: QSize | None = None

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt name)
        if self._applied is None:  # the first layout happens at once
            self._applied = event.size()
            super().resizeEvent(event)  # type: ignore[no-untyped-call]
            return
        self._pending = event.size()
        self._resize_timer.start()

    def _apply_resize(self) -> None:
        if self._pending is None:
            return
        size, old = self._pending, self._applied or self._pending
        self._pending, self._applied = None, size
        super().resizeEvent(QResizeEvent(size, old))  # type: ignore[no-untyped-call]


class _Toolbar(NavigationToolbar2QT):
    # Zoom and pan only: saving goes through the journal-sized export, never the screen figure.
    toolitems: list[tuple[str, ...] | tuple[None, ...]] = [t for t in NavigationToolbar2QT.toolitems if t[0] in ("Home", "Back", "Forward", "Pan", "Zoom")]


class TimelineTab(QWidget):
    """Patient timeline / swimmer plot of the open database, with hover details and click-to-open."""

    openRecord = Signal(int, str, int)  # noqa: N815 (Qt signal name): case id, table, record id

    def __init__(self, database: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.database = database
        self.timelines: list[CaseTimeline] = []
        self.drawn: DrawnPlot | None = None
        self._last_pick: object = None
        self._loaded = False
        self.case_ids: list[int] | None = None
        self.total_cases = 0
        self.figure = Figure(layout=ConstrainedLayoutEngine(h_pad=0.06, w_pad=0.06))
        self.canvas = _DebouncedCanvas(self.figure)
        self.canvas.mpl_connect("pick_event", self._on_pick)
        self.canvas.mpl_connect("motion_notify_event", self._on_motion)
        self.canvas.mpl_connect("figure_leave_event", lambda _event: QToolTip.hideText())

        self.view = QComboBox()
        self.view.addItems([TIMELINE, SWIMMER])
        self.view.setToolTip("Show one strip per case with every dated event, or the cohort swimmer plot")
        self.axis = QComboBox()
        self.axis.addItems([MONTHS, CALENDAR])
        self.axis.setToolTip("Time zero is day 1 of the first salvage course; 1 month = 30.4375 days")
        self.range = QComboBox()
        self.range.addItems([AROUND_SALVAGE, WHOLE_HISTORY])
        self.style_keeper = keeper_for(database)  # the study's figure style, shared with the Analysis tab
        self.format_dialog: FormatFigureDialog | None = None
        self.format_button = QPushButton("Format figure…")
        self.format_button.setToolTip("Title, font, width, dpi and caption of the exported figure; the preview "
                                      "follows each change")
        self.format_button.clicked.connect(self.format_figure)
        self.export_button = QPushButton("Export figure…")
        self.export_button.setToolTip("Save the figure in the study's figure style: PDF or EPS (TrueType fonts), "
                                      "SVG (text kept), TIFF or PNG at the style's dpi")
        for box in (self.view, self.axis, self.range):
            box.currentIndexChanged.connect(self._controls_changed)
        self.export_button.clicked.connect(self.export_dialog)

        controls = QHBoxLayout()
        for label, widget in (("&Show:", self.view), ("A&xis:", self.axis), ("&Range:", self.range)):
            text = QLabel(label)
            text.setBuddy(widget)
            controls.addWidget(text)
            controls.addWidget(widget)
        controls.addStretch(1)
        self.toolbar = _Toolbar(self.canvas, self, coordinates=False)  # type: ignore[no-untyped-call]
        controls.addWidget(self.toolbar)
        controls.addWidget(self.format_button)
        controls.addWidget(self.export_button)

        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setWidget(self.canvas)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.details = QLabel("Point at a marker for details; click it to open the record in the case form.")
        self.details.setWordWrap(True)
        self._details_text = ""  # the marker's text as drawn (ISO dates), re-shown when the date form changes
        notifier().changed.connect(self._dates_restyled)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.scroll_area, 1)
        layout.addWidget(self.caption)
        layout.addWidget(self.details)
        self._controls_changed()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt name)
        if not self._loaded:
            self.refresh()
        super().showEvent(event)

    # -- data and drawing --------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload every case's timeline from the database and redraw."""
        with self.database.session() as session:
            self.total_cases = len(self.case_ids) if self.case_ids is not None else count_cases(session)
            self.timelines = load_timelines(session, self.case_ids, limit=MAX_LANES)
        self._loaded = True
        self.redraw()

    @property
    def showing_swimmer(self) -> bool:
        return self.view.currentText() == SWIMMER

    @property
    def calendar(self) -> bool:
        return not self.showing_swimmer and self.axis.currentText() == CALENDAR

    @property
    def xlim(self) -> tuple[float, float] | None:
        if self.showing_swimmer or self.calendar or self.range.currentText() != AROUND_SALVAGE:
            return None
        return AROUND_SALVAGE_MONTHS

    def show_cases(self, case_ids: list[int] | None) -> None:
        """Restrict the plots to these cases (e.g. the case list's selection); None shows all."""
        self.case_ids = list(case_ids) if case_ids is not None else None
        self.refresh()

    def _shown(self) -> tuple[list[CaseTimeline], str]:
        if self.total_cases <= len(self.timelines):
            return self.timelines, ""
        return self.timelines, f" Showing the first {len(self.timelines)} of {self.total_cases} cases by study ID."

    def _controls_changed(self) -> None:
        self.axis.setEnabled(not self.showing_swimmer)
        self.range.setEnabled(not self.showing_swimmer and not self.calendar)
        self.redraw()

    def redraw(self) -> None:
        shown, note = self._shown()
        self.figure.clear()
        with rc_context(cast(Any, style(SCREEN_FONT_PT))):
            ax = self.figure.add_subplot(1, 1, 1)
            if self.showing_swimmer:
                self.drawn = draw_swimmer_plot(ax, shown, marker_scale=SCREEN_MARKER_SCALE)
                left, right = ax.get_xlim()
                ax.set_xticks(axis_ticks(FigureStyle(), "months", right / 1.02)[0])  # 12-month steps, as exported
                ax.set_xlim(left, right)
                per_lane = 26
            else:
                self.drawn = draw_patient_timeline(ax, shown, calendar=self.calendar, xlim=self.xlim,
                                                   marker_scale=SCREEN_MARKER_SCALE)
                per_lane = 52
        self._dated_lane_labels(ax)
        if not self.drawn.lanes:
            ax.text(0.5, 0.5, "No case with dated events to show yet.", ha="center", va="center",
                    transform=ax.transAxes)
        self.canvas.setMinimumHeight(160 + per_lane * len(self.drawn.lanes))
        self.caption.setText(self.drawn.caption + note)
        self.canvas.draw_idle()  # type: ignore[no-untyped-call]
        if self.format_dialog is not None and self.format_dialog.isVisible():
            self.format_dialog.refresh_preview()  # the dialog formats the view on screen

    @staticmethod
    def _dated_lane_labels(ax: Any) -> None:
        """The lanes' labels ("died 2019-09-06, therapy-related") with dates as View ▸ Dates shown as says, on
        screen only: an exported figure keeps ISO dates, as the calendar axis does."""
        labels = [label.get_text() for label in ax.get_yticklabels()]
        shown = [show_dates_in(label) for label in labels]
        if shown != labels:
            ax.set_yticks(ax.get_yticks(), shown)

    # -- hover and click -----------------------------------------------------------------------

    def target_at(self, event: MouseEvent) -> PickTarget | None:
        return self.drawn.hit(event) if self.drawn is not None else None

    def _on_motion(self, event: Any) -> None:
        target = self.target_at(cast(MouseEvent, event))
        if target is None:
            QToolTip.hideText()
            return
        QToolTip.showText(QCursor.pos(), show_dates_in(target.text), self.canvas)
        self._show_details(target.text)

    def _on_pick(self, event: Any) -> None:
        pick = cast(PickEvent, event)
        mouse = pick.mouseevent
        # One click picks every artist under it; answer once, with the marker on top.
        if mouse is self._last_pick or self.toolbar.mode or mouse.button != 1 or self.drawn is None:
            return
        self._last_pick = mouse
        target = self.drawn.hit(mouse) or self.drawn.target_for(pick.artist, getattr(pick, "ind", None))
        if target is None:
            return
        self._show_details(target.text)
        self.openRecord.emit(target.case_id, target.table, target.record_id)

    def _show_details(self, text: str | None = None) -> None:
        """A marker's details under the plot, dates as View ▸ Dates shown as says (again when that changes)."""
        self._details_text = text if text is not None else self._details_text
        if self._details_text:
            self.details.setText(show_dates_in(self._details_text).replace("\n", " · "))

    def _dates_restyled(self, _style: str) -> None:
        self._show_details()
        if self._loaded:
            self.redraw()  # the lanes' labels

    # -- export --------------------------------------------------------------------------------

    def render_figure(self, figure_style: FigureStyle) -> Figure:
        """The current view as a file will hold it: the style's width, font, title; the caption only if asked."""
        shown, _ = self._shown()
        kind = "swimmer" if self.showing_swimmer else "timeline"
        fig, _caption = timeline_kind_figure(kind, shown, figure_style, calendar=self.calendar, xlim=self.xlim)
        return fig

    def format_figure(self) -> FormatFigureDialog:
        if self.format_dialog is None:
            self.format_dialog = FormatFigureDialog(self.style_keeper, self.render_figure, sections=TIMELINE_SECTIONS,
                                                    default_name="swimmer_plot" if self.showing_swimmer
                                                    else "patient_timeline", parent=self)
        self.format_dialog.refresh_preview()
        self.format_dialog.show()
        self.format_dialog.raise_()
        return self.format_dialog

    def export_figure(self, path: Path | str, dpi: int | None = None) -> Path:
        """Save the current view in the study's figure style (PDF, EPS, SVG, TIFF or PNG by suffix)."""
        figure_style = self.style_keeper.style
        return save_journal_figure(self.render_figure(figure_style), path, int(dpi or figure_style.dpi))

    def export_dialog(self) -> None:
        default = "swimmer_plot.pdf" if self.showing_swimmer else "patient_timeline.pdf"
        path, chosen = save_file_name(self, "Export figure", default, ";;".join(EXPORT_FILTERS))
        if not path:
            return
        target = Path(path)
        if target.suffix.lower() not in (*EXPORT_FILTERS.values(), ".tif"):
            target = target.with_suffix(EXPORT_FILTERS.get(chosen, ".pdf"))
        try:
            written = self.export_figure(target)
        except (OSError, ValueError) as error:
            QMessageBox.warning(self, "Export failed", f"The figure could not be saved:\n{error}")
            return
        s = self.style_keeper.style
        raster = f", {s.dpi} dpi" if target.suffix.lower() in (".png", ".tif", ".tiff") else ""
        caption = "caption in the image" if s.caption else "caption not in the image (it is shown below the plot)"
        self._details_text = ""
        self.details.setText(f"Saved {written} ({s.timeline_width_mm:g} mm wide{raster}; {caption}).")
