"""Windows that fit the screen they are on: first size, restored geometry and splitter sizes clamped.

A ward workstation has 1366×768 pixels; a geometry saved on a 1920×1080 screen, or a default size
chosen on one, must never put a button off the screen.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QSplitter, QWidget

# The window's size on a large screen; smaller screens get their whole available area.
PREFERRED_SIZE = QSize(1500, 900)


def available_area(widget: QWidget | None = None) -> QRect:
    """The screen area a window may use (without task bars), of the widget's screen or the primary one."""
    screen: QScreen | None = widget.screen() if widget is not None else None
    screen = screen or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1366, 768)


def first_size(area: QRect, preferred: QSize = PREFERRED_SIZE) -> QSize:
    """The preferred size, never larger than the available area (which the frame also needs a little of)."""
    return QSize(min(preferred.width(), area.width()), min(preferred.height(), area.height()))


# What a window manager adds around a window (title bar, borders), kept free when a dialog is sized.
FRAME_ALLOWANCE = QSize(16, 40)


def dialog_size(preferred: QSize, area: QRect) -> QSize:
    """A dialog's first size: the preferred one, shrunk so that it and its frame fit the available area."""
    return QSize(min(preferred.width(), area.width() - FRAME_ALLOWANCE.width()),
                 min(preferred.height(), area.height() - FRAME_ALLOWANCE.height()))


def fit_dialog(dialog: QWidget, preferred: QSize) -> None:
    """Size a dialog to fit the screen of its parent (or the primary screen), frame included."""
    parent = dialog.parentWidget()
    dialog.resize(dialog_size(preferred, available_area(parent.window() if parent is not None else None)))


def clamp_rect(rect: QRect, area: QRect) -> QRect:
    """A window rectangle moved and shrunk so that it lies wholly inside the available area."""
    width, height = min(rect.width(), area.width()), min(rect.height(), area.height())
    left = min(max(rect.left(), area.left()), area.right() - width + 1)
    top = min(max(rect.top(), area.top()), area.bottom() - height + 1)
    return QRect(left, top, width, height)


def fit_window(window: QWidget) -> None:
    """Shrink and move a (restored or new) window so that its frame is on its screen."""
    area = available_area(window)
    frame, inner = window.frameGeometry(), window.geometry()
    extra_w, extra_h = frame.width() - inner.width(), frame.height() - inner.height()
    clamped = clamp_rect(frame, area)
    if clamped != frame:
        window.resize(clamped.width() - extra_w, clamped.height() - extra_h)
        window.move(clamped.topLeft())


def sane_splitter_sizes(sizes: list[int], minimums: list[int], total: int) -> list[int]:
    """Sizes that fill ``total`` and give every pane at least its minimum where the room allows;
    a pane squeezed below its minimum takes the room from the others in proportion."""
    if not sizes or total <= 0:
        return sizes
    scale = total / max(sum(sizes), 1)
    out = [max(0, round(s * scale)) for s in sizes]
    for i, minimum in enumerate(minimums):
        short = minimum - out[i]
        if short <= 0:
            continue
        others = [j for j in range(len(out)) if j != i and out[j] > minimums[j]]
        spare = sum(out[j] - minimums[j] for j in others)
        take = min(short, spare)
        for j in others:
            share = round(take * (out[j] - minimums[j]) / spare) if spare else 0
            out[j] -= share
            out[i] += share
    out[-1] += total - sum(out)
    return out


def fit_splitter(splitter: QSplitter) -> None:
    """Keep every pane of a splitter at least at its minimum width (no label cut, no sideways pan)."""
    total = splitter.width() - splitter.handleWidth() * (splitter.count() - 1)
    widgets = [splitter.widget(i) for i in range(splitter.count())]
    minimums = [w.minimumSizeHint().width() if w is not None else 0 for w in widgets]
    sizes = splitter.sizes()
    fitted = sane_splitter_sizes(sizes, minimums, total)
    if fitted != sizes:
        splitter.setSizes(fitted)
