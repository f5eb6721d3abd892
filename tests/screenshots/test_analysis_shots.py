"""The Analysis screenshot script's command line: --help prints the usage and writes nothing."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("analysis_shots.py")
_spec = importlib.util.spec_from_file_location("analysis_shots", SCRIPT)
assert _spec is not None and _spec.loader is not None
analysis_screenshots = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(analysis_screenshots)


def test_help_prints_usage_and_writes_nothing(tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, str(SCRIPT), "--help"], cwd=tmp_path, env=env
                          | {"PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "OUTPUT_DIR" in done.stdout and "docs/screenshots" in done.stdout
    assert list(tmp_path.iterdir()) == []  # no "--help" folder, no analysis.png


def test_unknown_option_is_refused_without_writing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(analysis_screenshots, "save_screenshot", lambda *a: pytest.fail("must not render"))
    with pytest.raises(SystemExit) as exit_info:
        analysis_screenshots.main(["--colour", "red"])
    assert exit_info.value.code == 2 and "unrecognized arguments" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_output_folder_argument_and_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    chosen: list[Path] = []

    def fake(out: Path) -> Path:
        chosen.append(out)
        return out / "analysis.png"

    monkeypatch.setattr(analysis_screenshots, "save_screenshot", fake)
    analysis_screenshots.main([str(tmp_path / "shots")])
    analysis_screenshots.main([])
    assert chosen == [tmp_path / "shots", analysis_screenshots.DEFAULT_DIR]
