"""Patient timelines and the cohort swimmer plot (matplotlib only, never pyplot).

The drawing functions take an ``Axes`` so that the same picture goes into the application's
canvas and into a report. Each returns a :class:`DrawnPlot` that maps every pickable artist
back to the record it shows, which the GUI uses for hover tooltips and for opening a record.
Colours are from the Okabe–Ito palette; complication grades use a sequential scale whose
lightness alone orders them, so the figure survives colour-blindness and grey-scale print.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from matplotlib import rc_context
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backend_bases import MouseEvent
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.legend_handler import HandlerTuple
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from analysis.rendering.figures import DOUBLE_COLUMN_IN, FIGURE_RC
from analysis.statistics.endpoints import TIME_UNITS, unit_note
from storage.record import codes
from storage.views import timelines as tl
from storage.views.timelines import CaseTimeline, TimelineEvent

TIME_ZERO_TEXT = "time zero = day 1 of the first salvage course"
EXPORT_FORMATS = ("png", "svg", "pdf")
GRADE_COLOURS = {1: "#FEE391", 2: "#FEC44F", 3: "#EC7014", 4: "#993404", 5: "#000000"}
NO_GRADE_COLOUR = "#BBBBBB"
STRIP_COLOUR = "#BDBDBD"
LANE_COLOURS = {"remission": "#9CCFEF", "PR": "#F2CC85", "NR": "#C8C8C8", None: "#E6E6E6"}
LANE_LABELS = {"remission": "best response CR/CRi", "PR": "best response PR",
               "NR": "no response (NR)", None: "response not assessed"}
DEATH_COLOURS = {"disease": "#000000", "therapy": "#CC79A7", None: "#7F7F7F"}

# Marker style per kind: (marker, face, edge, size, legend label).
MARKERS: dict[str, tuple[str, str, str, float, str]] = {
    tl.DIAGNOSIS: ("o", "white", "#000000", 5.0, "initial diagnosis"),
    tl.PRIOR_TRANSPLANT: ("D", "white", "#0072B2", 4.5, "HSCT before salvage"),
    "assessment_remission": ("s", "#56B4E9", "#000000", 4.0, "assessment: CR/CRi"),
    tl.ASSESSMENT: ("s", "white", "#000000", 4.0, "assessment, no CR"),
    "response": ("o", "#009E73", "#004D38", 5.5, "CR/CRi first documented"),
    tl.TRANSPLANT: ("D", "#0072B2", "#0072B2", 4.5, "HSCT after salvage"),
    tl.RELAPSE: ("v", "#D55E00", "#D55E00", 6.0, "relapse / progression"),
    tl.LAST_FOLLOW_UP: ("|", "#000000", "#000000", 7.0, "last follow-up, alive"),
}
BARS = {tl.SALVAGE_COURSE: ("#009E73", "salvage course"), tl.SUBSEQUENT_THERAPY: ("#CC79A7", "subsequent therapy")}
UNIT_SHORT = {"months": "mo", "days": "d", "weeks": "wk", "years": "y"}
FINDINGS_MAX_DAYS = 3 * 365.25  # widest view (in days) that still prints blast/MRD values
# Hover and click prefer a marker over a bar over a whole lane.
PRIORITY = {"marker": 0, "bar": 1, "lane": 2}


@dataclass(frozen=True)
class PickTarget:
    """What a marker, bar or lane stands for: enough to show a tooltip and open the record."""

    case_id: int
    study_id: str
    kind: str
    table: str
    record_id: int
    text: str


@dataclass
class DrawnPlot:
    """Artists of a drawn timeline or swimmer plot and the record behind each of their points."""

    ax: Axes
    lanes: list[str] = field(default_factory=list)  # study IDs from top to bottom
    caption: str = ""
    skipped: list[str] = field(default_factory=list)  # cases that could not be placed
    targets: dict[Artist, list[PickTarget]] = field(default_factory=dict)  # one target per point
    by_kind: dict[str, list[PickTarget]] = field(default_factory=dict)
    arrows: list[Artist] = field(default_factory=list)
    marker_scale: float = 1.0  # markers grow with the screen font; 1.0 is the journal size
    _priority: dict[Artist, int] = field(default_factory=dict)

    def register(self, artist: Artist, targets: list[PickTarget], level: str, count_as: str | None = None) -> None:
        artist.set_picker(True)
        if isinstance(artist, Line2D):
            artist.set_pickradius(6.0)
        self.targets[artist] = targets
        self._priority[artist] = PRIORITY[level]
        for target in targets:
            self.by_kind.setdefault(count_as or target.kind, []).append(target)

    def count(self, kind: str) -> int:
        return len(self.by_kind.get(kind, []))

    def target_for(self, artist: Artist, indices: Sequence[int] | None = None) -> PickTarget | None:
        targets = self.targets.get(artist, [])
        index = int(indices[0]) if indices is not None and len(indices) else 0
        return targets[index] if index < len(targets) else None

    def hit(self, event: MouseEvent) -> PickTarget | None:
        """The record under the mouse, preferring markers over bars over lanes."""
        if event.inaxes is not self.ax:
            return None
        for artist in sorted(self.targets, key=lambda a: self._priority[a]):
            inside, info = artist.contains(event)
            if inside:
                return self.target_for(artist, cast(dict[str, Any], info).get("ind"))
        return None


def style(font_size: float = 7.0) -> dict[str, Any]:
    """The journal style of analysis.rendering.figures, with every font scaled to ``font_size``."""
    rc = dict(FIGURE_RC)
    scale = font_size / 7.0
    for key in ("font.size", "axes.titlesize", "axes.labelsize", "xtick.labelsize", "ytick.labelsize",
                "legend.fontsize"):
        rc[key] = float(FIGURE_RC[key]) * scale
    return rc


def _unit_text(unit: str) -> str:
    note = unit_note(unit)
    return f"{unit} ({note})" if note else unit


def _position(timeline: CaseTimeline, when: dt.date, unit: str, calendar: bool) -> float:
    if calendar:
        return float(date2num(when))  # type: ignore[no-untyped-call]
    zero = timeline.time_zero
    assert zero is not None  # callers skip cases without time zero unless drawing calendar dates
    return (when - zero).days / TIME_UNITS[unit]


def _after_zero(timeline: CaseTimeline, when: dt.date, unit: str) -> str:
    days = timeline.days_from_zero(when)
    if days is None:
        return "no time zero (no salvage start date)"
    value = days / TIME_UNITS[unit]
    return f"day {days} = {value:.1f} {unit} after time zero" if days >= 0 else \
        f"{-value:.1f} {unit} before time zero"


def _target(timeline: CaseTimeline, event: TimelineEvent, unit: str, kind: str | None = None) -> PickTarget:
    text = f"{timeline.study_id}: {event.label}\n{event.detail}\n{_after_zero(timeline, event.date, unit)}"
    return PickTarget(timeline.case_id, timeline.study_id, kind or event.kind, event.record.table,
                      event.record.record_id, text)


def _lane_target(timeline: CaseTimeline, unit: str) -> PickTarget:
    days = timeline.observed_days
    length = f"{days / TIME_UNITS[unit]:.1f} {unit} observed" if days is not None else "observation time unknown"
    return PickTarget(timeline.case_id, timeline.study_id, "lane", "cases", timeline.case_id,
                      f"{timeline.study_id}: {timeline.status_label or 'status not recorded'}; "
                      f"best response {timeline.best_response or 'not assessed'}\n{_outcome(timeline)}; {length}")


def _outcome(timeline: CaseTimeline) -> str:
    if not timeline.alive:
        return "died, " + codes.DEATH_CAUSE.get(timeline.death_cause or "", "cause not recorded")
    return codes.FOLLOW_UP_STATUS.get(timeline.follow_up_status or "", "alive at last follow-up")


def _plot_points(ax: Axes, drawn: DrawnPlot, style_key: str, points: list[tuple[float, float, PickTarget]],
                 count_as: str | None = None, colour: str | None = None, label: str | None = None) -> None:
    if not points:
        return
    if style_key in MARKERS:
        marker, face, edge, size, default_label = MARKERS[style_key]
    else:  # deaths: one colour per cause
        marker, face, edge, size, default_label = "X", colour or "#000000", "white", 7.0, style_key
    (line,) = ax.plot([p[0] for p in points], [p[1] for p in points], linestyle="none", marker=marker,
                      markersize=size * drawn.marker_scale, markerfacecolor=face, markeredgecolor=edge,
                      markeredgewidth=0.8 * drawn.marker_scale,
                      label=label or default_label, zorder=4)
    drawn.register(line, [p[2] for p in points], "marker", count_as)


def _bar(ax: Axes, drawn: DrawnPlot, x0: float, x1: float, y: float, height: float, colour: str,
         target: PickTarget, min_width: float, level: str = "bar") -> None:
    # A thin white edge keeps back-to-back therapies apart.
    patches = ax.barh(y, max(x1 - x0, min_width), left=x0, height=height, color=colour,
                      edgecolor="white" if level == "bar" else "none", linewidth=0.4, zorder=2 if level == "bar" else 1)
    drawn.register(patches[0], [target], level)


def draw_patient_timeline(ax: Axes, timelines: Sequence[CaseTimeline], unit: str = "months",
                          calendar: bool = False, xlim: tuple[float, float] | None = None,
                          marker_scale: float = 1.0) -> DrawnPlot:
    """One strip per case, from initial diagnosis to death or last follow-up, with every dated event.

    Therapy bars run above a strip's line, complications (coloured by CTCAE grade) below it.
    ``xlim`` limits the view (in ``unit`` from time zero, or date numbers when ``calendar``).
    """
    if unit not in TIME_UNITS:
        raise ValueError(f"unknown time unit {unit!r}")
    drawn = DrawnPlot(ax, marker_scale=marker_scale)
    shown = [t for t in timelines if t.events and (calendar or t.time_zero is not None)]
    drawn.skipped = [t.study_id for t in timelines if t not in shown]
    points: dict[str, list[tuple[float, float, PickTarget]]] = {}
    deaths: dict[str | None, list[tuple[float, float, PickTarget]]] = {}
    spans = [_position(t, d, unit, calendar) for t in shown for d in (t.events[0].date, t.last_date) if d]
    width = (max(spans) - min(spans)) if spans else 1.0
    view = (xlim[1] - xlim[0]) if xlim is not None else width
    # Blast and MRD values are printed under their markers only where they do not pile up.
    label_findings = view * (1.0 if calendar else TIME_UNITS[unit]) <= FINDINGS_MAX_DAYS
    min_width = max(view, 1e-9) * 0.004  # a bar stays visible however short
    labels = []
    for y, timeline in enumerate(shown):
        first, last = timeline.events[0].date, timeline.last_date or timeline.events[-1].date
        x0, x1 = _position(timeline, first, unit, calendar), _position(timeline, last, unit, calendar)
        _bar(ax, drawn, x0, x1, y, 0.05, STRIP_COLOUR, _lane_target(timeline, unit), min_width, "lane")
        therapy_rows: list[float] = []  # right end of the last bar in each row of the track
        complication_rows: list[float] = []
        findings: list[tuple[float, str]] = []
        for event in timeline.events:
            x = _position(timeline, event.date, unit, calendar)
            target = _target(timeline, event, unit)
            if event.is_bar:
                end = _position(timeline, _bar_end(timeline, event), unit, calendar)
                below = event.kind == tl.COMPLICATION
                track = complication_rows if below else therapy_rows
                row = _free_row(track, x, max(end, x + min_width))
                offset = (0.18 + 0.13 * row) * (1 if below else -1)
                colour = GRADE_COLOURS.get(event.grade or 0, NO_GRADE_COLOUR) if below else BARS[event.kind][0]
                _bar(ax, drawn, x, end, y + offset, 0.11, colour, target, min_width)
            elif event.kind == tl.DEATH:
                deaths.setdefault(timeline.death_cause, []).append((x, y, target))
            else:
                key = "assessment_remission" if event.kind == tl.ASSESSMENT and event.is_remission else event.kind
                points.setdefault(key, []).append((x, y, target))
                if event.finding and label_findings:
                    findings.append((x, event.finding))
        _finding_labels(ax, findings, y, near=view * 0.08)
        labels.append(_strip_label(timeline, unit, calendar))
    for key in MARKERS:
        _plot_points(ax, drawn, key, points.get(key, []), count_as=tl.ASSESSMENT if "assess" in key else None)
    _plot_deaths(ax, drawn, deaths)
    _lane_axis(ax, drawn, [t.study_id for t in shown], labels, ("top", "right", "left"))
    if calendar:
        locator = AutoDateLocator()  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
        ax.set_xlabel("Calendar date")
    else:
        ax.axvline(0.0, color="#555555", linewidth=0.6, linestyle=(0, (3, 2)), zorder=0)
        ax.set_xlabel(f"{unit.capitalize()} from time zero (day 1 of the first salvage course)")
    if xlim is not None:
        ax.set_xlim(*xlim)
    elif spans:
        ax.set_xlim(min(spans) - 0.02 * width, max(spans) + 0.02 * width)
    drawn.caption = _timeline_caption(unit, calendar, drawn.skipped, label_findings)
    _timeline_legend(ax, drawn)
    return drawn


def _bar_end(timeline: CaseTimeline, event: TimelineEvent) -> dt.date:
    if event.end_date is not None:
        return event.end_date
    # A fatal (grade 5) complication without a resolution date lasted until death.
    if event.kind == tl.COMPLICATION and event.grade == 5 and not timeline.alive and timeline.end_of_observation:
        return timeline.end_of_observation
    return event.date


def _free_row(rows: list[float], start: float, end: float) -> int:
    """First row of a track whose last bar ends before ``start`` (overlapping bars stack; at most 3 rows)."""
    row = next((i for i, right in enumerate(rows) if right <= start), min(len(rows), 2))
    rows[row:row + 1] = [max(end, rows[row]) if row < len(rows) else end]
    return row


def _finding_labels(ax: Axes, findings: list[tuple[float, str]], y: float, near: float) -> None:
    """Blast/MRD values under a strip; two close values lean away from each other."""
    for i, (x, text) in enumerate(findings):
        close_before = i > 0 and x - findings[i - 1][0] < near
        close_after = i + 1 < len(findings) and findings[i + 1][0] - x < near
        ha = "left" if close_before else "right" if close_after else "center"
        ax.text(x, y + 0.4, text, ha=ha, va="center", fontsize="small", color="#333333", clip_on=True, zorder=3)


def _lane_axis(ax: Axes, drawn: DrawnPlot, lanes: list[str], labels: list[str], hidden: tuple[str, ...]) -> None:
    """First lane on top, labelled; with many lanes the time scale is repeated on top (it scrolls away)."""
    drawn.lanes = lanes
    ax.set_yticks(range(len(lanes)), labels)
    ax.set_ylim(max(len(lanes), 1) - 0.5, -0.5)
    ax.tick_params(axis="y", length=0)
    for side in hidden:
        ax.spines[side].set_visible(False)
    if len(lanes) > 20:
        ax.tick_params(axis="x", top=True, labeltop=True)


def _strip_label(timeline: CaseTimeline, unit: str, calendar: bool) -> str:
    """Study ID and status at salvage, then the outcome and when, readable even if the end is off view."""
    first = timeline.study_id + (f" ({timeline.status_label})" if timeline.status_label else "")
    end = timeline.end_of_observation
    if end is None:
        return f"{first}\nno follow-up recorded"
    days = timeline.days_from_zero(end)
    when = end.isoformat() if calendar or days is None else f"{days / TIME_UNITS[unit]:.1f} {UNIT_SHORT[unit]}"
    if not timeline.alive:
        cause = codes.DEATH_CAUSE.get(timeline.death_cause or "", "cause not recorded")
        return f"{first}\ndied {when}, {cause}"
    return f"{first}\n{_outcome(timeline)}, {when}"


def _plot_deaths(ax: Axes, drawn: DrawnPlot, deaths: dict[str | None, list[tuple[float, float, PickTarget]]]
                 ) -> None:
    groups: dict[str | None, list[tuple[float, float, PickTarget]]] = {"disease": [], "therapy": [], None: []}
    for cause, found in deaths.items():
        groups[cause if cause in groups else None].extend(found)
    for cause, found in groups.items():
        label = "death, " + (codes.DEATH_CAUSE[cause] if cause else "other or unrecorded cause")
        _plot_points(ax, drawn, "death", found, count_as=tl.DEATH, colour=DEATH_COLOURS[cause], label=label)


def _timeline_caption(unit: str, calendar: bool, skipped: Sequence[str], findings: bool) -> str:
    axis = "calendar dates" if calendar else f"time in {_unit_text(unit)} from {TIME_ZERO_TEXT}"
    text = (f"One strip per case from initial diagnosis to death or last follow-up; {axis}. "
            "Bars above a strip: therapy; below: complications coloured by CTCAE grade.")
    if findings:
        text += " Numbers under assessments: marrow or blood blasts; MRD, minimal residual disease."
    if skipped:
        text += f" Not shown ({'no dated events' if calendar else 'no salvage start date'}): {', '.join(skipped)}."
    return text


def _timeline_legend(ax: Axes, drawn: DrawnPlot) -> None:
    handles: list[Artist] = [a for a in drawn.targets if isinstance(a, Line2D)]
    present = {t.kind for targets in drawn.targets.values() for t in targets}
    for kind, (colour, label) in BARS.items():
        if kind in present:
            handles.append(Patch(facecolor=colour, label=label))
    labels = [cast(str, h.get_label()) for h in handles]
    legend_handles: list[Any] = list(handles)
    if tl.COMPLICATION in present:
        legend_handles.append(tuple(Patch(facecolor=colour, edgecolor="#555555", linewidth=0.3)
                                    for colour in GRADE_COLOURS.values()))
        labels.append("complication, CTCAE grade 1 → 5")
    if legend_handles:
        ax.legend(legend_handles, labels, loc="lower center", bbox_to_anchor=(0.5, 1.01), ncols=4, frameon=False,
                  handlelength=1.4, columnspacing=1.2, borderaxespad=0.2,
                  handler_map={tuple: HandlerTuple(ndivide=None, pad=0.0)})


def draw_swimmer_plot(ax: Axes, timelines: Sequence[CaseTimeline], unit: str = "months",
                      marker_scale: float = 1.0) -> DrawnPlot:
    """One lane per case from time zero to death or last follow-up, longest on top.

    Lanes are coloured by best response; markers show the first documented CR/CRi, every HSCT
    after salvage, relapse and death (by cause); an arrow marks patients alive at last contact.
    """
    if unit not in TIME_UNITS:
        raise ValueError(f"unknown time unit {unit!r}")
    drawn = DrawnPlot(ax, marker_scale=marker_scale)
    shown = sorted((t for t in timelines if t.observed_days is not None),
                   key=lambda t: (-(t.observed_days or 0), t.study_id))
    drawn.skipped = [t.study_id for t in timelines if t.observed_days is None]
    longest = max(((t.observed_days or 0) / TIME_UNITS[unit] for t in shown), default=1.0) or 1.0
    points: dict[str, list[tuple[float, float, PickTarget]]] = {}
    deaths: dict[str | None, list[tuple[float, float, PickTarget]]] = {}
    lane_groups: set[str | None] = set()
    for y, timeline in enumerate(shown):
        end = (timeline.observed_days or 0) / TIME_UNITS[unit]
        group = _response_group(timeline.best_response)
        lane_groups.add(group)
        _bar(ax, drawn, 0.0, end, y, 0.55, LANE_COLOURS[group], _lane_target(timeline, unit), longest * 0.004,
             "lane")
        remission = timeline.first_remission
        if remission is not None:
            points.setdefault("response", []).append(
                (_position(timeline, remission.date, unit, False), y, _target(timeline, remission, unit, "response")))
        for event in timeline.events:
            if event.kind in (tl.TRANSPLANT, tl.RELAPSE) and event.date >= (timeline.time_zero or event.date):
                points.setdefault(event.kind, []).append(
                    (_position(timeline, event.date, unit, False), y, _target(timeline, event, unit)))
            elif event.kind == tl.DEATH:
                deaths.setdefault(timeline.death_cause, []).append(
                    (_position(timeline, event.date, unit, False), y, _target(timeline, event, unit)))
        if timeline.alive:
            arrow = ax.annotate("", xy=(end + longest * 0.045, y), xytext=(end, y),
                                arrowprops={"arrowstyle": "-|>", "color": "#000000",
                                            "linewidth": 0.9 * marker_scale, "shrinkA": 0.0, "shrinkB": 0.0,
                                            "mutation_scale": 7.0 * marker_scale})
            drawn.arrows.append(arrow)
            drawn.by_kind.setdefault("alive", []).append(_lane_target(timeline, unit))
    # Response above and transplant below a lane's centre: in the first weeks they would hide each other.
    for key, shift in (("response", -0.14), (tl.TRANSPLANT, 0.14), (tl.RELAPSE, 0.0)):
        _plot_points(ax, drawn, key, [(x, y + shift, target) for x, y, target in points.get(key, [])])
    _plot_deaths(ax, drawn, deaths)
    _lane_axis(ax, drawn, [t.study_id for t in shown], [t.study_id for t in shown], ("top", "right"))
    ax.set_xlim(0.0, longest * 1.08)
    ax.set_xlabel(f"{unit.capitalize()} from time zero (day 1 of the first salvage course)")
    drawn.caption = swimmer_caption(unit, drawn.skipped)
    handles: list[Artist] = [Patch(facecolor=LANE_COLOURS[g], label=LANE_LABELS[g])
                             for g in ("remission", "PR", "NR", None) if g in lane_groups]
    handles += [a for a in drawn.targets if isinstance(a, Line2D)]
    if drawn.arrows:
        handles.append(Line2D([], [], linestyle="none", marker=r"$\rightarrow$", markersize=9.0 * marker_scale,
                              color="#000000", label="alive at last contact"))
    if handles:
        ax.legend(handles=handles, loc="lower right", frameon=True, framealpha=0.92, edgecolor="none",
                  ncols=2 if len(handles) > 5 else 1, handlelength=1.2, columnspacing=1.0, borderaxespad=0.3)
    return drawn


def _response_group(best: str | None) -> str | None:
    if best in codes.REMISSION:
        return "remission"
    return best if best in ("PR", "NR") else None


def swimmer_caption(unit: str = "months", skipped: Sequence[str] = ()) -> str:
    """The conventions line printed under a swimmer plot."""
    text = (f"Swimmer plot: one lane per case from {TIME_ZERO_TEXT} to death or last follow-up, "
            f"sorted by length; time in {_unit_text(unit)}; arrow = alive at last contact.")
    if skipped:
        text += f" Not shown (no time zero or no follow-up): {', '.join(skipped)}."
    return text


def add_caption(fig: Figure, caption: str, font_size: float = 6.0) -> None:
    """The conventions line under the whole figure, kept inside the layout."""
    width_chars = max(40, int(fig.get_figwidth() * 72 / (font_size * 0.52)))
    fig.supxlabel("\n".join(textwrap.wrap(caption, width_chars)), x=0.01, ha="left",
                  fontsize=font_size, color="#333333")


def _journal_figure(draw: Callable[[Axes], DrawnPlot], height_in: float) -> tuple[Figure, DrawnPlot]:
    """A 174 mm wide figure in the journal style, drawn by ``draw``, with its caption underneath."""
    with rc_context(cast(Any, style())):
        fig = Figure(figsize=(DOUBLE_COLUMN_IN, round(min(9.0, height_in), 2)), dpi=300,
                     layout=ConstrainedLayoutEngine(h_pad=0.04, w_pad=0.04))
        drawn = draw(fig.add_subplot(1, 1, 1))
        add_caption(fig, drawn.caption)
    return fig, drawn


def swimmer_figure(timelines: Sequence[CaseTimeline], unit: str = "months") -> tuple[Figure, DrawnPlot]:
    """A journal-sized swimmer plot with its caption, ready for :func:`save_figure`."""
    return _journal_figure(lambda ax: draw_swimmer_plot(ax, timelines, unit), 1.2 + 0.3 * max(len(timelines), 1))


def timeline_figure(timelines: Sequence[CaseTimeline], unit: str = "months", calendar: bool = False,
                    xlim: tuple[float, float] | None = None) -> tuple[Figure, DrawnPlot]:
    """A journal-sized patient timeline with its caption."""
    return _journal_figure(lambda ax: draw_patient_timeline(ax, timelines, unit, calendar, xlim),
                           2.0 + 0.39 * max(len(timelines), 1))


def save_figure(fig: Figure, path: Path | str, dpi: float = 300.0) -> Path:
    """Write ``fig`` as PNG, SVG or PDF (chosen by the file suffix) at ``dpi`` (at least 300)."""
    target = Path(path)
    fmt = target.suffix.lower().lstrip(".")
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"cannot export {target.name}: choose a .png, .svg or .pdf file")
    if dpi < 300:
        raise ValueError("figures for print are exported at 300 dpi or more")
    # No creation date in the file: the same data gives byte-identical vector output.
    metadata: dict[str, Any] = {"png": {}, "svg": {"Date": None}, "pdf": {"CreationDate": None}}[fmt]
    fig.savefig(target, format=fmt, dpi=dpi, metadata=metadata, facecolor="white")
    return target
