"""``casebook figure`` and ``casebook report`` on the demo database, as a script would call them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from analysis.rendering.figure_style import FigureStyle
from analysis.rendering.style_store import IN_USE, load_style, save_style
from main import main
from storage.database import Database, open_database
from storage.generated.demo import write_demo

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    write_demo(tmp_path / "demo.db").close()
    return tmp_path / "demo.db"


def run(*args: str | Path) -> int:
    return main([str(a) for a in args])


def error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert "\n" not in err, err
    return err


def test_figure_writes_a_tiff_at_the_size_and_dpi_asked(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "os.tiff"
    assert run("figure", "--db", demo, "--endpoint", "os", "--group-by", "prior_hsct", "--out", out,
               "--dpi", "600", "--width-mm", "114") == 0
    with Image.open(out) as image:
        assert image.mode == "RGB" and image.info["compression"] == "tiff_lzw"
        assert image.info["dpi"] == pytest.approx((600, 600))
        assert image.size[0] == pytest.approx(114 / 25.4 * 600, abs=1)


@pytest.mark.parametrize("kind", ["cif", "swimmer", "timeline"])
def test_every_kind_as_vector_pdf(demo: Path, tmp_path: Path, kind: str) -> None:
    out = tmp_path / f"{kind}.pdf"
    assert run("figure", "--db", demo, "--kind", kind, "--out", out) == 0
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and b"/Type3" not in data and b"/FontFile2" in data


def test_an_existing_output_is_kept_without_overwrite(demo: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "km.png"
    out.write_bytes(b"keep me")
    assert run("figure", "--db", demo, "--out", out) == 2
    assert "--out" in error_line(capsys) and out.read_bytes() == b"keep me"
    assert run("figure", "--db", demo, "--out", out, "--overwrite") == 0
    assert out.read_bytes().startswith(b"\x89PNG")


def test_the_database_is_never_an_output(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = demo.read_bytes()
    copy = demo.with_suffix(".pdf")
    assert run("figure", "--db", demo, "--out", demo, "--overwrite") == 2
    assert "--out" in error_line(capsys)
    copy.symlink_to(demo)  # the same file under an accepted name
    assert run("report", "--db", demo, "--out", copy, "--overwrite") == 2
    assert "the database is never an output" in error_line(capsys)
    assert demo.read_bytes() == before


@pytest.mark.parametrize(("args", "message"), [
    (["--out", "x.jpg"], "--out must end in .pdf, .eps, .svg, .png, .tiff, not 'x.jpg'"),
    (["--out", "x.png", "--dpi", "250"], "--dpi must be 300, 600 or 1200, not '250'"),
    (["--out", "x.png", "--width-mm", "wide"], "--width-mm takes a number from 30 to 500, not 'wide'"),
    (["--out", "x.png", "--kind", "forest"], "--kind must be one of km, cif, swimmer, timeline, not 'forest'"),
    (["--out", "x.png", "--style", "Lancet"], "--style: no figure style named 'Lancet'"),
    (["--out", "x.png", "--endpoint", "pfs"], "Unknown endpoint 'pfs'"),
    (["--out", "x.png", "--where", "sex"], "A population filter is FIELD=VALUE"),
])
def test_bad_arguments_get_one_line_naming_the_argument_and_rule(demo: Path, tmp_path: Path, args: list[str],
                                                                  message: str,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    args = [str(tmp_path / a) if a.startswith("x.") else a for a in args]
    assert run("figure", "--db", demo, *args) == 2
    line = error_line(capsys)
    assert line.startswith("casebook figure: ") and message in line.replace(str(tmp_path) + "/", "")
    assert not list(tmp_path.glob("x.*"))


def test_figure_and_report_use_the_stored_style(demo: Path, tmp_path: Path) -> None:
    db: Database = open_database(demo)
    with db.session() as session:
        save_style(session, FigureStyle(width_mm=174.0, palette="greyscale"), IN_USE)
        save_style(session, FigureStyle(width_mm=114.0), "JCO 1.5 columns")
    db.close()
    assert run("figure", "--db", demo, "--out", tmp_path / "in_use.svg") == 0
    assert 'width="493.' in (tmp_path / "in_use.svg").read_text()[:2000]  # 174 mm = 493.2 pt
    assert "#0072b2" not in (tmp_path / "in_use.svg").read_text().lower()  # greyscale: no Okabe-Ito blue
    assert run("figure", "--db", demo, "--style", "JCO 1.5 columns", "--out", tmp_path / "jco.svg") == 0
    assert 'width="323.' in (tmp_path / "jco.svg").read_text()[:2000]  # 114 mm = 323.1 pt
    assert run("report", "--db", demo, "--out", tmp_path / "report.pdf", "--group-by", "prior_hsct") == 0
    data = (tmp_path / "report.pdf").read_bytes()
    assert data.startswith(b"%PDF") and b"/Type3" not in data
    db = open_database(demo)
    with db.session() as session:
        assert load_style(session).palette == "greyscale"  # reading did not change the study
    db.close()


def test_help_lists_the_commands_without_loading_matplotlib() -> None:
    code = ("import sys, main; p = main._parser(); assert 'matplotlib' not in sys.modules; "
            "print(p.format_help())")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert "figure" in out and "report" in out
