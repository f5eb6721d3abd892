"""The self-contained program folder (casebook.spec) built from a fresh clone behaves as the installed program.

Slow (PyInstaller takes one to three minutes here), and CI runs it like every other test. The bundle is built
once per test session from a clone of the committed tree, so what is checked is what hospital IT would build.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
PYINSTALLER = Path(sys.executable).with_name("pyinstaller")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """dist/casebook/ built with the documented command from a fresh clone of the committed tree."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.fail("the bundle test needs the project's git checkout (it builds from a fresh clone)")
    work = tmp_path_factory.mktemp("bundle")
    clone = work / "clone"
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone)], check=True, timeout=120)
    built = subprocess.run([str(PYINSTALLER), "--noconfirm", "--log-level", "ERROR", "casebook.spec"],
                           cwd=clone, capture_output=True, text=True, timeout=1500)
    assert built.returncode == 0, built.stderr[-3000:]
    folder = clone / "dist" / "casebook"
    assert (folder / "casebook").is_file() and (folder / "casebook-cli").is_file()
    return folder


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"), XDG_CONFIG_HOME=str(home / "config"),
               QT_QPA_PLATFORM="offscreen")
    return env


def _run(program: Path, *args: str, home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(program), *args], env=_env(home) | env, capture_output=True, text=True, timeout=300)


def test_help_lists_every_subcommand(bundle: Path, tmp_path: Path) -> None:
    done = _run(bundle / "casebook", "--help", home=tmp_path)
    assert done.returncode == 0, done.stderr
    for command in ("demo", "import", "export", "verify", "analyze"):
        assert command in done.stdout


def test_demo_then_analyze_gives_the_articles_median(bundle: Path, tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    assert _run(bundle / "casebook", "demo", "--db", str(db), home=tmp_path).returncode == 0
    done = _run(bundle / "casebook-cli", "analyze", "--db", str(db), "--endpoint", "os", "--json", home=tmp_path)
    assert done.returncode == 0, done.stderr
    bundled = json.loads(done.stdout)
    (group,) = bundled["groups"]
    assert group["n"] == 8 and group["events"] == 6
    assert round(group["median"], 1) == 8.0  # the article's median OS: (4 + 12.02) / 2 months
    installed = subprocess.run([sys.executable, str(ROOT / "main.py"), "analyze", "--db", str(db), "--endpoint",
                                "os", "--json"], capture_output=True, text=True, timeout=300, env=_env(tmp_path)
                               | {"PYTHONPATH": str(ROOT)})
    assert json.loads(installed.stdout) == bundled  # the same numbers as the installed program


def test_every_data_command_works_in_the_bundle(bundle: Path, tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    _run(bundle / "casebook", "demo", "--db", str(db), home=tmp_path)
    verify = _run(bundle / "casebook", "verify", "--db", str(db), home=tmp_path)
    assert verify.returncode == 0 and "No problems found" in verify.stdout, verify.stdout + verify.stderr
    for fmt in ("csv", "xlsx", "sav", "dta"):
        out = tmp_path / f"cases.{fmt}"
        done = _run(bundle / "casebook", "export", "--db", str(db), "--out", str(out), "--format", fmt, home=tmp_path)
        assert done.returncode == 0 and out.stat().st_size > 0, done.stderr
    copy = tmp_path / "copy.db"
    done = _run(bundle / "casebook", "import", str(tmp_path / "cases.csv"), "--db", str(copy), home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Cases: 8" in _run(bundle / "casebook", "verify", "--db", str(copy), home=tmp_path).stdout


def test_the_window_paints_on_the_demo_database(bundle: Path, tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    _run(bundle / "casebook", "demo", "--db", str(db), home=tmp_path)
    done = _run(bundle / "casebook", "--db", str(db), home=tmp_path, CASEBOOK_QUIT_AFTER_START="1")
    assert done.returncode == 0, done.stderr
    assert "started: Casebook — demo.db" in done.stdout  # printed after the first paint, once the database opened


def test_first_start_offers_the_demo_in_the_users_data_folder(bundle: Path, tmp_path: Path) -> None:
    done = _run(bundle / "casebook", home=tmp_path, CASEBOOK_QUIT_AFTER_START="1")
    question = " ".join(done.stderr.split())
    assert "open the demo cohort" in question
    assert str(tmp_path / "data" / "Casebook" / "casebook.db") in question


def test_no_test_or_development_code_inside(bundle: Path) -> None:
    toc = next((bundle.parents[1] / "build" / "casebook").glob("PYZ-*.toc"))
    _archive, entries = ast.literal_eval(toc.read_text())  # PyInstaller's table of the bundled modules
    modules = {entry[0] for entry in entries}
    assert "gui.study.custom_fields_dialog" in modules and "storage.record.migrations.env" not in modules
    for forbidden in ("tests", "pytest", "_pytest", "hypothesis", "pytestqt", "mypy", "ruff", "tkinter", "PyQt5",
                      "storage.generated.synthetic"):
        assert not any(m == forbidden or m.startswith(forbidden + ".") for m in modules), forbidden
    files = {p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()}
    assert "_internal/resources/demo/demo_cohort.json" in files
    assert any(f.startswith("_internal/storage/record/migrations/versions/0001") for f in files)
    assert not any("/tests/" in f"/{f}" or f.endswith("conftest.py") for f in files)



def test_figure_and_report_commands_write_journal_files(bundle: Path, tmp_path: Path) -> None:
    """matplotlib's file backends are inside: PDF (TrueType fonts), SVG (text kept), TIFF, and the report."""
    db = tmp_path / "demo.db"
    _run(bundle / "casebook", "demo", "--db", str(db), home=tmp_path)
    for name in ("km.pdf", "km.svg", "km.tiff", "km.eps"):
        out = tmp_path / name
        done = _run(bundle / "casebook-cli", "figure", "--db", str(db), "--endpoint", "os", "--out", str(out),
                    home=tmp_path)
        assert done.returncode == 0 and out.stat().st_size > 1000, done.stderr
    assert b"<text" in (tmp_path / "km.svg").read_bytes()
    assert b"/FontType 3" not in (tmp_path / "km.pdf").read_bytes() and b"/Subtype /Type3" not in (
        tmp_path / "km.pdf").read_bytes()
    report = tmp_path / "report.pdf"
    done = _run(bundle / "casebook-cli", "report", "--db", str(db), "--out", str(report), home=tmp_path)
    assert done.returncode == 0 and report.read_bytes().startswith(b"%PDF"), done.stderr
