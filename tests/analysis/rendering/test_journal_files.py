"""Files read back as a journal's checker reads them: fonts in the PDF and EPS, text in the SVG,
mode, compression and dpi of the TIFF, dpi of the PNG, and the physical size of each."""

from __future__ import annotations

import re
import zlib
from pathlib import Path

import pytest
from PIL import Image

from analysis.command import load_inputs
from analysis.rendering.figure_style import FigureStyle, resolve_font
from analysis.rendering.journal_figures import survival_figure
from analysis.rendering.journal_files import ExportError, save_journal_figure
from analysis.statistics.cohort import CohortResult, analyze_cohort
from storage.database import Database

MM = 72.0 / 25.4  # points per millimetre


@pytest.fixture
def grouped(demo_db: Database) -> CohortResult:
    inputs = load_inputs(demo_db)
    return analyze_cohort(inputs.summaries, inputs.rules["os"], group_by="prior_hsct")


def pdf_fonts(data: bytes) -> list[tuple[str, str]]:
    """(subtype, base font) of every font object in a PDF, compressed object streams included."""
    chunks = [data]
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            chunks.append(zlib.decompress(m.group(1)))
        except zlib.error:
            continue
    fonts = []
    for chunk in chunks:
        for obj in re.findall(rb"<<(?:[^<>]|<<[^<>]*>>)*?/Type\s*/Font\b(?:[^<>]|<<[^<>]*>>)*>>", chunk):
            sub = re.search(rb"/Subtype\s*/(\w+)", obj)
            base = re.search(rb"/BaseFont\s*/([^\s/<>\[\]]+)", obj)
            fonts.append((sub.group(1).decode() if sub else "?", base.group(1).decode() if base else "?"))
    return fonts


def test_pdf_embeds_truetype_never_type3_at_the_chosen_size(grouped: CohortResult, tmp_path: Path) -> None:
    path = save_journal_figure(survival_figure(grouped, FigureStyle(width_mm=114.0, height_mm=95.0)),
                               tmp_path / "km.pdf")
    data = path.read_bytes()
    fonts = pdf_fonts(data)
    assert fonts, "no font objects found"
    assert all(sub != "Type3" for sub, _ in fonts), fonts
    assert any(sub in ("Type0", "TrueType") for sub, _ in fonts)
    assert b"/FontFile2" in data  # the TrueType program itself is embedded
    assert any(resolve_font().replace(" ", "") in base for _, base in fonts)
    box = [float(v) for v in re.search(rb"/MediaBox\s*\[\s*([\d.\s]+)\]", data).group(1).split()]  # type: ignore[union-attr]
    assert box[2] == pytest.approx(114 * MM, abs=0.5) and box[3] == pytest.approx(95 * MM, abs=0.5)


def test_eps_uses_type42_fonts_and_no_transparency(grouped: CohortResult, tmp_path: Path) -> None:
    style = FigureStyle(ci="band")  # translucent bands: blended onto white for PostScript
    with _no_warning():  # the PostScript backend warns when it meets transparency
        path = save_journal_figure(survival_figure(grouped, style), tmp_path / "km.eps")
    text = path.read_bytes().decode("latin-1")
    assert "/FontType 42" in text and "/FontType 3" not in text
    bbox = re.search(r"%%BoundingBox: (\d+) (\d+) (\d+) (\d+)", text)
    assert bbox is not None and int(bbox.group(3)) - int(bbox.group(1)) == pytest.approx(85 * MM, abs=1.5)


class _no_warning:  # noqa: N801 - used as a context manager name
    def __enter__(self) -> None:
        import warnings

        self._catch = warnings.catch_warnings(record=True)
        self.records = self._catch.__enter__()
        warnings.simplefilter("always")

    def __exit__(self, *exc: object) -> None:
        self._catch.__exit__(*exc)
        assert not [w for w in self.records if "transparency" in str(w.message)]


def test_svg_keeps_text_as_text_at_the_chosen_width(grouped: CohortResult, tmp_path: Path) -> None:
    path = save_journal_figure(survival_figure(grouped, FigureStyle(width_mm=174.0)), tmp_path / "km.svg")
    text = path.read_text(encoding="utf-8")
    assert text.count("<text") > 10
    assert ">Number at risk (cumulative events)<" in text.replace("\n", "")
    width = re.search(r'<svg[^>]*\swidth="([\d.]+)pt"', text)
    assert width is not None and float(width.group(1)) == pytest.approx(174 * MM, abs=0.5)


@pytest.mark.parametrize("dpi", [300, 600, 1200])
def test_tiff_is_rgb_lzw_with_the_dpi_in_the_file(grouped: CohortResult, tmp_path: Path, dpi: int) -> None:
    path = save_journal_figure(survival_figure(grouped, FigureStyle(width_mm=85.0, height_mm=70.0)),
                               tmp_path / "km.tiff", dpi=dpi)
    with Image.open(path) as image:
        assert image.mode == "RGB"  # no alpha channel
        assert image.info["compression"] == "tiff_lzw"
        assert image.info["dpi"] == pytest.approx((dpi, dpi))
        assert image.size[0] == pytest.approx(85 / 25.4 * dpi, abs=1)  # within a pixel of 85 mm
        assert image.size[1] == pytest.approx(70 / 25.4 * dpi, abs=1)


def test_png_carries_its_dpi(grouped: CohortResult, tmp_path: Path) -> None:
    path = save_journal_figure(survival_figure(grouped, FigureStyle()), tmp_path / "km.png", dpi=600)
    with Image.open(path) as image:
        assert image.info["dpi"] == pytest.approx((600, 600), abs=0.1)
        assert image.size[0] == pytest.approx(85 / 25.4 * 600, abs=1)


def test_refuses_a_format_or_dpi_a_journal_does_not_take(grouped: CohortResult, tmp_path: Path) -> None:
    fig = survival_figure(grouped, FigureStyle())
    with pytest.raises(ExportError, match=r"\.pdf, \.eps, \.svg, \.png or \.tiff"):
        save_journal_figure(fig, tmp_path / "km.jpg")
    with pytest.raises(ExportError, match="dpi must be a whole number from 72 to 2400"):
        save_journal_figure(fig, tmp_path / "km.png", dpi=10)
