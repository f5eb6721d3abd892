"""A small flowing page layout on matplotlib (no pyplot): headings, wrapped paragraphs, tables that
continue on the next page with their header repeated, and figure panels, written to a PdfPages.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any

from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from analysis.statistics.tables import Table

A4_PORTRAIT = (8.27, 11.69)
A4_LANDSCAPE = (11.69, 8.27)
MARGIN = 0.6  # inches
POINTS_PER_INCH = 72.0
CHAR_WIDTH = 0.6  # generous average glyph width of DejaVu Sans (bold included), in font sizes


class FlowingPages:
    """Content is placed top-down; a page is written when the next block does not fit."""

    def __init__(self, pdf: PdfPages, footer: str = "") -> None:
        self.pdf = pdf
        self.footer = footer
        self.size = A4_PORTRAIT
        self.fig: Figure | None = None
        self.y = 0.0  # inches from the top of the page
        self.page = 0

    # -- pages -----------------------------------------------------------------------------
    def new_page(self, landscape: bool | None = None) -> None:
        self.finish_page()
        if landscape is not None:
            self.size = A4_LANDSCAPE if landscape else A4_PORTRAIT
        self.fig = Figure(figsize=self.size)
        self.y = MARGIN
        self.page += 1

    def finish_page(self) -> None:
        if self.fig is None:
            return
        w, h = self.size
        footer = textwrap.shorten(self.footer, int((self.width - 0.8) * POINTS_PER_INCH / (6.5 * CHAR_WIDTH)))
        self.fig.text(MARGIN / w, 0.35 / h, footer, fontsize=6.5, color="#555555", va="bottom")
        self.fig.text(1 - MARGIN / w, 0.35 / h, f"page {self.page}", fontsize=6.5, color="#555555",
                      ha="right", va="bottom")
        self.pdf.savefig(self.fig)  # type: ignore[no-untyped-call]
        self.fig = None

    @property
    def width(self) -> float:
        return self.size[0] - 2 * MARGIN

    def _room(self, height: float) -> Figure:
        if self.fig is None or self.y + height > self.size[1] - MARGIN - 0.3:
            self.new_page()
        assert self.fig is not None
        return self.fig

    def _text(self, x: float, text: str, size: float, dy: float = 0.0, **kwargs: Any) -> None:
        assert self.fig is not None
        w, h = self.size
        self.fig.text((MARGIN + x) / w, 1 - (self.y + dy) / h, text, fontsize=size, va="top", **kwargs)

    # -- blocks ----------------------------------------------------------------------------
    def heading(self, text: str, size: float = 12.0) -> None:
        chars = max(20, int(self.width * POINTS_PER_INCH / (size * CHAR_WIDTH)))
        for i, line in enumerate(textwrap.wrap(text, chars) or [""]):
            self._room(size / POINTS_PER_INCH * 2.6 + (0.4 if i == 0 else 0.0))
            self.y += 0.08 if i == 0 else 0.0
            self._text(0.0, line, size, weight="bold")
            self.y += size / POINTS_PER_INCH * 1.4
        self.y += size / POINTS_PER_INCH * 0.2

    def paragraph(self, text: str, size: float = 8.0, color: str = "black", indent: float = 0.0) -> None:
        chars = max(20, int((self.width - indent) * POINTS_PER_INCH / (size * CHAR_WIDTH)))
        line_h = size / POINTS_PER_INCH * 1.35
        for para in text.split("\n"):
            for line in textwrap.wrap(para, chars) or [""]:
                self._room(line_h)
                self._text(indent, line, size, color=color)
                self.y += line_h
        self.y += line_h * 0.3

    def panel(self, height: float, draw: Callable[[Figure, tuple[float, float, float, float]], None],
              width: float | None = None) -> None:
        """A figure panel ``height`` inches tall, drawn by ``draw(page, rect)`` (figure fractions)."""
        fig = self._room(height)
        w, h = self.size
        panel_w = min(width or self.width, self.width)
        left = (MARGIN + (self.width - panel_w) / 2) / w
        draw(fig, (left, 1 - (self.y + height) / h, panel_w / w, height / h))
        self.y += height + 0.1

    def table(self, table: Table, size: float = 7.0) -> None:
        """Title, header and rows; long cells wrap; the header repeats on a continuation page."""
        widths = self._column_widths(table, size)
        line_h = size / POINTS_PER_INCH * 1.3
        self.paragraph(table.title, size=size + 1.5)
        self._row(table.columns, widths, size, line_h, bold=True)
        for row in table.rows:
            if self._row_height(row, widths, size, line_h) + self.y > self.size[1] - MARGIN - 0.3:
                self.new_page()
                self.paragraph(f"{table.title} (continued)", size=size + 1.5)
                self._row(table.columns, widths, size, line_h, bold=True)
            self._row(row, widths, size, line_h)
        if table.note:
            self.y += line_h * 0.3
            self.paragraph(table.note, size=size - 0.5, color="#333333")
        self.y += 0.1

    def _column_widths(self, table: Table, size: float) -> list[float]:
        char_in = size * CHAR_WIDTH / POINTS_PER_INCH
        natural = [max([len(str(c)) for c in col] + [4]) * char_in + 0.12
                   for col in zip(table.columns, *table.rows, strict=True)]
        total = sum(natural)
        if total <= self.width:
            return natural
        # shrink the widest columns first: cap every column at a share that makes the row fit
        cap = max(natural)
        while sum(min(n, cap) for n in natural) > self.width and cap > 0.3:
            cap *= 0.95
        return [min(n, cap) for n in natural]

    def _wrap(self, cell: str, width: float, size: float) -> list[str]:
        chars = max(3, int((width - 0.1) * POINTS_PER_INCH / (size * CHAR_WIDTH)))
        return textwrap.wrap(str(cell), chars) or [""]

    def _row_height(self, row: tuple[str, ...], widths: list[float], size: float, line_h: float) -> float:
        return max(len(self._wrap(c, w, size)) for c, w in zip(row, widths, strict=True)) * line_h + 0.02

    def _row(self, row: tuple[str, ...], widths: list[float], size: float, line_h: float, bold: bool = False) -> None:
        height = self._row_height(row, widths, size, line_h)
        self._room(height)
        x = 0.0
        for cell, width in zip(row, widths, strict=True):
            for i, line in enumerate(self._wrap(cell, width, size)):
                self._text(x, line, size, dy=i * line_h, weight="bold" if bold else "normal")
            x += width
        self.y += height
        if bold:  # a rule under the header, with room before the first row
            assert self.fig is not None
            w, h = self.size
            self.fig.add_artist(_rule(self.fig, MARGIN / w, (MARGIN + self.width) / w, 1 - self.y / h))
            self.y += 0.05


def _rule(fig: Figure, x0: float, x1: float, y: float) -> Any:
    from matplotlib.lines import Line2D

    return Line2D([x0, x1], [y, y], transform=fig.transFigure, linewidth=0.5, color="black")
