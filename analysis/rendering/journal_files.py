"""Figure files a journal's checker accepts, at the figure's physical size (never cropped "tight").

* PDF and EPS: fonts embedded as TrueType (Type 42), never Type 3; EPS has no transparency, so
  translucent CI bands are first blended onto white (their look is kept, nothing turns opaque-dark).
* SVG: text kept as ``<text>`` (svg.fonttype 'none'), editable in Illustrator or Inkscape.
* TIFF: RGB without alpha, LZW-compressed, with the dpi written in the file.
* PNG: with its dpi in the file.

The settings are applied per save in an ``rc_context``, never globally. No creation date goes into
vector files, so the same data and style give the same bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

FORMATS: dict[str, str] = {"pdf": "PDF document", "eps": "Encapsulated PostScript", "svg": "SVG vector graphic",
                           "png": "PNG image", "tiff": "TIFF image", "tif": "TIFF image"}
RASTER = ("png", "tiff", "tif")
MIN_DPI, MAX_DPI = 72, 2400
SAVE_RC: dict[str, Any] = {"pdf.fonttype": 42, "ps.fonttype": 42, "svg.fonttype": "none", "ps.useafm": False,
                           "pdf.use14corefonts": False}


class ExportError(ValueError):
    """The file cannot be written as asked; the message names the rule."""


def file_format(path: Path | str) -> str:
    """The format from the file's suffix, e.g. "tiff"; refuses a suffix a journal does not take."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ExportError(f"the file must end in .pdf, .eps, .svg, .png or .tiff, not '{Path(path).name}'")
    return "tiff" if suffix == "tif" else suffix


def _blend_translucent(fig: Figure) -> None:
    """Replace translucent fills by the opaque colour they show on white (PostScript has no alpha).
    Changes ``fig``: export figures are built for the file, never the one on screen."""
    import numpy as np
    from matplotlib.collections import Collection
    from matplotlib.colors import to_rgba
    from matplotlib.patches import Patch

    for coll in fig.findobj(Collection):
        assert isinstance(coll, Collection)
        faces = np.asarray(coll.get_facecolor(), dtype=float).reshape(-1, 4)
        if len(faces) == 0 or (faces[:, 3] >= 1.0).all():
            continue
        alpha = faces[:, 3:4]
        blended = np.hstack([1.0 - alpha + alpha * faces[:, :3], np.ones_like(alpha)])
        coll.set_alpha(None)
        coll.set_facecolor(cast(Any, blended))
    for patch in fig.findobj(Patch):
        assert isinstance(patch, Patch)
        r, g, b, a = to_rgba(cast(Any, patch.get_facecolor()))
        if a < 1.0 and patch.get_visible() and patch.get_fill():
            patch.set_alpha(None)
            patch.set_facecolor((1.0 - a + a * r, 1.0 - a + a * g, 1.0 - a + a * b, 1.0))


def save_journal_figure(fig: Figure, path: Path | str, dpi: int = 300) -> Path:
    """Write ``fig`` in the format named by the suffix at its own size; ``dpi`` for raster formats
    (and for the few raster parts of a vector file)."""
    target = Path(path)
    fmt = file_format(target)
    if isinstance(dpi, bool) or not isinstance(dpi, int) or not MIN_DPI <= dpi <= MAX_DPI:
        raise ExportError(f"the dpi must be a whole number from {MIN_DPI} to {MAX_DPI}, not {dpi!r}")
    FigureCanvasAgg(fig)  # a figure from a Qt canvas is saved through Agg, at the figure's size
    with rc_context(cast(Any, SAVE_RC)):
        if fmt == "tiff":
            _save_tiff(fig, target, dpi)
        elif fmt == "png":
            fig.savefig(target, format="png", dpi=dpi, facecolor="white", metadata={"Software": None})
        else:
            if fmt == "eps":
                _blend_translucent(fig)
            metadata: Any = {"pdf": {"CreationDate": None, "Creator": "Casebook"},
                                        "svg": {"Date": None, "Creator": "Casebook"},
                                        "eps": {"Creator": "Casebook"}}[fmt]
            fig.savefig(target, format=fmt, dpi=dpi, facecolor="white", metadata=metadata)
    return target


def _save_tiff(fig: Figure, target: Path, dpi: int) -> None:
    from PIL import Image

    canvas = FigureCanvasAgg(fig)
    original = fig.get_dpi()
    fig.set_dpi(dpi)
    try:
        canvas.draw()  # type: ignore[no-untyped-call]
        pixels = bytes(canvas.buffer_rgba())  # type: ignore[no-untyped-call]
        rgba = Image.frombuffer("RGBA", canvas.get_width_height(), pixels, "raw", "RGBA", 0, 1)
    finally:
        fig.set_dpi(original)
    background = Image.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    background.save(target, format="TIFF", compression="tiff_lzw", dpi=(dpi, dpi))

