"""Where a figure's annotation lines go: a corner of the plot the curves, bands and censor marks leave free
(measured on the figure as laid out, from the ink the data put there), else above the plot, below its title.
No pyplot, no Qt.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from matplotlib import patheffects
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.offsetbox import AnchoredOffsetbox, TextArea, VPacker
from matplotlib.text import Text
from matplotlib.transforms import offset_copy

from analysis.rendering.figure_style import FigureStyle

CORNERS = {"upper right": "upper right", "lower left": "lower left", "upper left": "upper left",
           "lower right": "lower right"}


def draw_annotations(ax: Axes, lines: Sequence[tuple[str, int]], style: FigureStyle) -> Artist | None:
    """The annotation lines without any fill over the data: in the corner of the plot the curves, bands
    and marks leave free (the style's corner first, never the legend's), else above the plot, below the
    title (and above a legend placed there). Call it once everything else is on ``ax``: the choice is
    made on the figure as laid out."""
    if not lines:
        return None
    size = style.font_size * 0.93
    halo = [patheffects.withStroke(linewidth=1.2, foreground="white")]  # thin, only around the letters
    areas: list[Artist] = [TextArea(text, textprops={"color": style.color(i) if i >= 0 else "black", "fontsize": size,
                                                     "path_effects": halo})
                           for text, i in lines]
    box = VPacker(children=areas, align="left", pad=0.0, sep=1.5)
    anchored = AnchoredOffsetbox(loc=style.annotation_position, child=box, frameon=False, pad=0.25, borderpad=0.4)
    anchored.set_zorder(5)
    anchored.set_in_layout(False)
    ax.add_artist(anchored)
    fig = ax.get_figure(root=True)
    if not isinstance(fig, Figure):
        return anchored
    corners = [style.annotation_position] + [c for c in CORNERS if c != style.annotation_position]
    if style.legend_position in CORNERS:
        corners.remove(style.legend_position)
    fig.draw_without_rendering()  # the layout as it will be drawn
    renderer = fig._get_renderer()  # type: ignore[attr-defined]
    ink = _data_ink(ax, fig)
    legend = ax.get_legend()
    avoid = legend.get_window_extent(renderer) if legend is not None and style.legend_position in CORNERS else None
    plot = ax.get_window_extent(renderer)
    best: tuple[float, str] | None = None
    for corner in corners:
        anchored.loc = AnchoredOffsetbox.codes[corner]
        extent = anchored.get_window_extent(renderer)
        if extent.width > plot.width or extent.height > plot.height:
            continue
        if avoid is not None and extent.overlaps(avoid):
            continue
        covered = _ink_in(ink, extent, fig) / max(extent.width * extent.height, 1.0)
        if best is None or covered < best[0]:
            best = (covered, corner)
    if best is not None and best[0] <= FREE_CORNER_INK:
        anchored.loc = AnchoredOffsetbox.codes[best[1]]
        return anchored
    anchored.remove()
    return _annotations_above(ax, fig, box, style)


FREE_CORNER_INK = 0.004  # share of an annotation's area the data may ink and the corner still counts as free


def _data_ink(ax: Axes, fig: Figure) -> npt.NDArray[np.bool_]:
    """Where the curves, bands and censor marks put ink, in display pixels (row 0 at the top)."""
    from matplotlib.backends.backend_agg import RendererAgg

    width, height = (int(np.ceil(v)) for v in fig.bbox.size)
    renderer = RendererAgg(width, height, fig.dpi)  # type: ignore[no-untyped-call]
    for artist in [*ax.collections, *ax.lines]:
        if artist.get_visible():
            artist.draw(renderer)
    rgba = np.asarray(renderer.buffer_rgba())  # type: ignore[no-untyped-call]
    return rgba[:, :, 3] > 8


def _ink_in(ink: npt.NDArray[np.bool_], extent: Any, fig: Figure) -> float:
    height = ink.shape[0]
    x0, x1 = max(int(extent.x0), 0), min(int(np.ceil(extent.x1)), ink.shape[1])
    y0, y1 = max(height - int(np.ceil(extent.y1)), 0), min(height - int(extent.y0), height)
    return float(ink[y0:y1, x0:x1].sum()) if x1 > x0 and y1 > y0 else 0.0


def _annotations_above(ax: Axes, fig: Figure, box: VPacker, style: FigureStyle) -> Artist:
    """No corner is free: the lines above the plot (above a legend placed there), the title above them."""
    renderer = fig._get_renderer()  # type: ignore[attr-defined]
    legend = ax.get_legend()
    lift_pt = 4.0
    if legend is not None and style.legend_position == "above":
        lift_pt += legend.get_window_extent(renderer).height * 72.0 / fig.dpi
    anchor = offset_copy(ax.transAxes, fig=fig, x=0.0, y=lift_pt, units="points")
    for area in box.get_children():  # nothing under them: no halo needed
        for text in area.get_children():
            if isinstance(text, Text):
                text.set_path_effects([])
    above = AnchoredOffsetbox(loc="lower left", child=box, frameon=False, pad=0.0, borderpad=0.0,
                              bbox_to_anchor=(0.0, 1.0), bbox_transform=anchor)
    above.set_zorder(5)
    above.set_clip_on(False)
    ax.add_artist(above)
    fig.draw_without_rendering()
    height_pt = above.get_window_extent(renderer).height * 72.0 / fig.dpi
    if fig.get_layout_engine() is None:  # a page laid out by hand (the report): the plot makes the room
        pos = ax.get_position()
        ax.set_position((pos.x0, pos.y0, pos.width, pos.height - (height_pt + lift_pt) / 72.0 / fig.get_figheight()))
    if style.title:
        ax.set_title(style.title, loc="left", fontweight="bold", pad=4.0 + lift_pt + height_pt)
    return above
