"""How a journal figure looks, as plain data: axes, colours, CI display, censor marks, annotations,
legend, font and size. A :class:`FigureStyle` is frozen, has a clinical default for every field and
goes to and from JSON (``to_dict`` / ``from_dict``), so that a named style can be kept in the study's
database (study_settings namespace ``figure_style``) and every figure of the study looks alike.

``from_dict`` refuses a bad value with a message naming the field and the rule; unknown keys (from a
newer Casebook) are ignored so that an older one still opens the study.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

MM_PER_INCH = 25.4
#: Journal widths (mm): single column, 1.5 columns, double column.
WIDTH_PRESETS: dict[str, float] = {"single column (85 mm)": 85.0, "1.5 columns (114 mm)": 114.0,
                                   "double column (174 mm)": 174.0}
#: Okabe–Ito: distinguishable with every common colour-vision deficiency.
OKABE_ITO: tuple[str, ...] = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
#: Greyscale for print: black and greys that stay apart on a laser printer, with line styles to help.
GREYSCALE: tuple[str, ...] = ("#000000", "#6E6E6E", "#A0A0A0", "#3C3C3C", "#8C8C8C")

PALETTES = ("okabe-ito", "greyscale")
LINE_STYLES = ("solid", "dashed", "dotted", "dashdot")
Y_SCALES = ("percent", "proportion")
CI_MODES = ("auto", "none", "band", "dashed")
CENSOR_MARKERS = {"+": "plus", "|": "vertical tick", "x": "cross", "o": "open circle"}
LEGEND_POSITIONS = ("above", "upper right", "lower left", "upper left", "lower right", "right", "none")
ANNOTATION_POSITIONS = ("upper right", "lower left", "upper left", "lower right")
RISK_TABLES = {"at_risk_events": "Number at risk (cumulative events)", "at_risk": "Number at risk",
               "at_risk_censored": "Number at risk (cumulative censored)", "none": "hidden"}
FONT_CHOICES = ("automatic", "Arial", "Helvetica", "Liberation Sans", "DejaVu Sans")
#: Tried in this order for "automatic": the journals' fonts, then their metric-compatible free twin.
FONT_PREFERENCE = ("Arial", "Helvetica", "Liberation Sans")
FALLBACK_FONT = "DejaVu Sans"  # ships with matplotlib: always there
DPI_CHOICES = (300, 600, 1200)


class StyleError(ValueError):
    """A style value breaks its rule; the message names the field and the rule."""


@dataclass(frozen=True)
class FigureStyle:
    # x axis: None = from the data (end: the last follow-up; step: the clinical default for the unit)
    x_start: float = 0.0
    x_end: float | None = None
    x_step: float | None = None
    x_label: str = ""  # "" = "Time (months)"
    # y axis
    y_scale: str = "percent"
    y_min: float = 0.0  # always as a proportion (0..1), whatever the scale shows
    y_max: float = 1.0
    y_label: str = ""  # "" = the endpoint's name
    # curves, per group in the order of the groups; empty = from the palette
    palette: str = "okabe-ito"
    colors: tuple[str, ...] = ()
    line_styles: tuple[str, ...] = ()
    line_width: float = 1.0
    legend_texts: tuple[str, ...] = ()
    # confidence intervals
    ci: str = "auto"  # auto: a band for one curve, none when groups are compared
    ci_alpha: float = 0.15
    # censor marks
    censor_marks: bool = True
    censor_marker: str = "+"
    censor_size: float = 5.0
    # annotations
    show_p: bool = False
    show_median: bool = False
    show_n: bool = False
    landmark_times: tuple[float, ...] = ()
    show_hr: bool = False  # drawn once a hazard ratio text is handed in (Cox model)
    annotation_position: str = "upper right"
    # legend and title
    legend_position: str = "above"
    legend_title: str = ""  # "" = the grouping field's label
    title: str = ""
    # font and size
    font_family: str = "automatic"
    font_size: float = 7.0
    width_mm: float = 85.0
    timeline_width_mm: float = 174.0  # swimmer plot and patient timeline: one lane per case needs the width
    height_mm: float | None = None  # None = from the width and the risk table
    risk_table: str = "at_risk_events"
    # files
    dpi: int = 300
    caption: bool = False  # the conventions line burned into the image (otherwise it goes beside it)

    def __post_init__(self) -> None:
        check(self)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, tuple):
                data[key] = list(value)
        return data

    @classmethod
    def from_dict(cls, data: Any) -> FigureStyle:
        if not isinstance(data, dict):
            raise StyleError("a figure style is a set of named values (a JSON object)")
        known = {f.name: f for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key not in known:
                continue  # written by a newer Casebook: ignored, the default applies
            values[key] = tuple(value) if isinstance(value, list) else value
        try:
            return cls(**values)
        except TypeError as exc:
            raise StyleError(f"figure style: {exc}") from None

    def changed(self, **values: Any) -> FigureStyle:
        """A copy with ``values`` replaced (checked like every style)."""
        return replace(self, **values)

    # -- derived ---------------------------------------------------------------------------
    @property
    def width_in(self) -> float:
        return self.width_mm / MM_PER_INCH

    def height_in(self, table_rows: int = 0) -> float:
        if self.height_mm is not None:
            return self.height_mm / MM_PER_INCH
        base = self.width_in * 0.72
        extra = (0.22 + 0.13 * table_rows) * self.font_size / 7.0 if self.risk_table != "none" and table_rows else 0
        return base + extra + (0.15 if self.title else 0.0)

    def color(self, i: int) -> str:
        if i < len(self.colors) and self.colors[i]:
            return self.colors[i]
        palette = GREYSCALE if self.palette == "greyscale" else OKABE_ITO
        return palette[i % len(palette)]

    def line_style(self, i: int) -> str:
        if i < len(self.line_styles) and self.line_styles[i]:
            return self.line_styles[i]
        if self.palette == "greyscale":
            return LINE_STYLES[i % len(LINE_STYLES)]
        return "solid"

    def legend_text(self, i: int, default: str) -> str:
        return self.legend_texts[i] if i < len(self.legend_texts) and self.legend_texts[i] else default

    def ci_mode(self, n_curves: int) -> str:
        if self.ci == "auto":
            return "band" if n_curves == 1 else "none"
        return self.ci

    def y_factor(self) -> float:
        return 100.0 if self.y_scale == "percent" else 1.0



def _number(name: str, value: Any, low: float, high: float, optional: bool = False) -> None:
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise StyleError(f"{name} must be a number, not {value!r}")
    if not low <= value <= high:
        raise StyleError(f"{name} must be between {low:g} and {high:g}, not {value:g}")


def _choice(name: str, value: Any, allowed: Any) -> None:
    if value not in allowed:
        raise StyleError(f"{name} must be one of {', '.join(map(str, allowed))}, not {value!r}")


def _texts(name: str, value: Any) -> None:
    if not isinstance(value, tuple) or not all(isinstance(v, str) for v in value):
        raise StyleError(f"{name} must be a list of texts")


def _color(name: str, value: str) -> None:
    from matplotlib.colors import is_color_like

    if value and not is_color_like(value):
        raise StyleError(f"{name} must be a colour such as #0072B2 or black, not {value!r}")


def check(style: FigureStyle) -> None:
    """Refuse a style that breaks a rule, naming the field and the rule."""
    _number("x_start", style.x_start, -1e6, 1e6)
    _number("x_end", style.x_end, -1e6, 1e6, optional=True)
    if style.x_end is not None and style.x_end <= style.x_start:
        raise StyleError(f"x_end must be after x_start ({style.x_start:g}), not {style.x_end:g}")
    _number("x_step", style.x_step, 1e-6, 1e6, optional=True)
    if style.x_step is not None and style.x_end is not None and (style.x_end - style.x_start) / style.x_step > 60:
        raise StyleError("x_step must leave at most 60 ticks on the axis")
    _choice("y_scale", style.y_scale, Y_SCALES)
    _number("y_min", style.y_min, 0.0, 1.0)
    _number("y_max", style.y_max, 0.0, 1.2)
    if style.y_max <= style.y_min:
        raise StyleError(f"y_max must be above y_min ({style.y_min:g}), not {style.y_max:g}")
    _choice("palette", style.palette, PALETTES)
    for name in ("colors", "line_styles", "legend_texts"):
        _texts(name, getattr(style, name))
    for i, c in enumerate(style.colors):
        _color(f"colors[{i + 1}]", c)
    for i, ls in enumerate(style.line_styles):
        if ls:
            _choice(f"line_styles[{i + 1}]", ls, LINE_STYLES)
    _number("line_width", style.line_width, 0.1, 5.0)
    _choice("ci", style.ci, CI_MODES)
    _number("ci_alpha", style.ci_alpha, 0.0, 1.0)
    _choice("censor_marker", style.censor_marker, CENSOR_MARKERS)
    _number("censor_size", style.censor_size, 0.5, 20.0)
    if not isinstance(style.landmark_times, tuple):
        raise StyleError("landmark_times must be a list of times")
    for t in style.landmark_times:
        _number("landmark_times", t, 0.0, 1e6)
    _choice("annotation_position", style.annotation_position, ANNOTATION_POSITIONS)
    _choice("legend_position", style.legend_position, LEGEND_POSITIONS)
    _choice("font_family", style.font_family, FONT_CHOICES)
    _number("font_size", style.font_size, 4.0, 24.0)
    _number("width_mm", style.width_mm, 30.0, 500.0)
    _number("timeline_width_mm", style.timeline_width_mm, 30.0, 500.0)
    _number("height_mm", style.height_mm, 20.0, 500.0, optional=True)
    _choice("risk_table", style.risk_table, RISK_TABLES)
    _choice("dpi", style.dpi, DPI_CHOICES)
    for name in ("censor_marks", "show_p", "show_median", "show_n", "show_hr", "caption"):
        if not isinstance(getattr(style, name), bool):
            raise StyleError(f"{name} must be true or false")
    for name in ("x_label", "y_label", "legend_title", "title"):
        if not isinstance(getattr(style, name), str):
            raise StyleError(f"{name} must be a text")


# -- time axis ------------------------------------------------------------------------------
#: Candidate tick steps per unit, smallest first: the first that leaves at most MAX_TICKS intervals.
TICK_STEPS: dict[str, tuple[float, ...]] = {
    "years": (0.5, 1.0, 2.0, 5.0, 10.0),
    "weeks": (1.0, 2.0, 4.0, 13.0, 26.0, 52.0, 104.0), "days": (7.0, 14.0, 30.0, 90.0, 180.0, 365.0, 730.0),
}
MAX_TICKS = 7


def clinical_step(unit: str, span: float) -> float:
    """The tick interval a clinician expects: months every 12 (every 6 up to three years; 3 up to a year,
    1 up to six months; 24 beyond seven years), years every 1, weeks and days in weeks, months and years."""
    if unit == "months":  # the article reads follow-up at 12, 24, 36 months
        for limit, step in ((6.0, 1.0), (12.0, 3.0), (36.0, 6.0), (84.0, 12.0), (168.0, 24.0)):
            if span <= limit:
                return step
        return 60.0 * math.ceil(span / (60.0 * MAX_TICKS))
    steps = TICK_STEPS.get(unit, TICK_STEPS["years"])
    for step in steps:
        if span / step <= MAX_TICKS:
            return step
    return steps[-1] * math.ceil(span / (steps[-1] * MAX_TICKS))


def axis_ticks(style: FigureStyle, unit: str, last_time: float) -> tuple[list[float], tuple[float, float]]:
    """The x ticks (also the risk table's columns) and the axis range for data up to ``last_time``."""
    start = style.x_start
    end = style.x_end if style.x_end is not None else max(last_time, start + 1e-9) * 1.02
    step = style.x_step or clinical_step(unit, (style.x_end if style.x_end is not None else last_time) - start)
    first = math.ceil(start / step - 1e-9) * step
    ticks: list[float] = []
    t = first
    while t <= end + 1e-9 and len(ticks) <= 200:
        ticks.append(round(t, 9))
        t += step
    return ticks, (start, end)


# -- fonts ----------------------------------------------------------------------------------
_ADDED: set[str] = set()


def _installed(family: str) -> bool:
    from matplotlib import font_manager

    if any(f.name == family for f in font_manager.fontManager.ttflist):
        return True
    # A font installed after matplotlib built its cache: add its files once.
    wanted = family.replace(" ", "").lower()
    found = False
    for path in font_manager.findSystemFonts(fontext="ttf"):
        stem = path.rsplit("/", 1)[-1].lower()
        if stem.startswith(wanted) and path not in _ADDED:
            try:
                font_manager.fontManager.addfont(path)
                _ADDED.add(path)
            except (OSError, RuntimeError, ValueError):
                continue
    if any(f.name == family for f in font_manager.fontManager.ttflist):
        found = True
    return found


def resolve_font(choice: str = "automatic") -> str:
    """The font family figures are drawn in: the chosen one if installed, otherwise Arial, Helvetica or
    Liberation Sans (metric-compatible with Arial), whichever is installed first, else DejaVu Sans."""
    if choice not in ("automatic", FALLBACK_FONT) and _installed(choice):
        return choice
    if choice == FALLBACK_FONT:
        return FALLBACK_FONT
    for family in FONT_PREFERENCE:
        if _installed(family):
            return family
    return FALLBACK_FONT


def font_note(style: FigureStyle) -> str:
    """What the dialog and the command say about the font, e.g. "Liberation Sans (Arial is not installed)"."""
    used = resolve_font(style.font_family)
    if style.font_family not in ("automatic", used):
        return f"{used} ({style.font_family} is not installed)"
    if used == "Liberation Sans":
        return "Liberation Sans (metric-compatible with Arial; Arial and Helvetica are not installed)"
    if used == FALLBACK_FONT and style.font_family == "automatic":
        return "DejaVu Sans (no Arial, Helvetica or Liberation Sans installed)"
    return used


def rc_params(style: FigureStyle) -> dict[str, Any]:
    """matplotlib settings for drawing in this style (used in an rc_context, never set globally)."""
    size = style.font_size
    return {
        # a concrete family (not "sans-serif"): text keeps it when drawn later, outside this context
        "font.family": [resolve_font(style.font_family), FALLBACK_FONT],
        "font.size": size, "axes.titlesize": size, "axes.labelsize": size, "xtick.labelsize": size * 0.93,
        "ytick.labelsize": size * 0.93, "legend.fontsize": size * 0.93, "legend.title_fontsize": size * 0.93,
        "axes.linewidth": 0.6, "xtick.major.width": 0.6, "ytick.major.width": 0.6,
        "lines.linewidth": style.line_width, "axes.unicode_minus": True, "mathtext.default": "regular",
    }


DEFAULT_STYLE = FigureStyle()
