"""The command line: --help lists the subcommands; demo writes a new file and refuses an existing one."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True, timeout=120)


def test_help_lists_subcommands() -> None:
    result = run("--help")
    assert result.returncode == 0
    assert "demo" in result.stdout


def test_demo_writes_eight_cases(tmp_path: Path) -> None:
    target = tmp_path / "demo.db"
    result = run("demo", "--db", str(target))
    assert result.returncode == 0, result.stderr
    import sqlite3

    with sqlite3.connect(target) as conn:
        assert conn.execute("SELECT count(*) FROM cases").fetchone() == (8,)


def test_demo_refuses_existing_file_and_changes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "precious.db"
    target.write_bytes(b"the investigator's own data")
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    result = run("demo", "--db", str(target))
    assert result.returncode != 0
    assert "already exists" in result.stderr and "Traceback" not in result.stderr
    assert hashlib.sha256(target.read_bytes()).hexdigest() == digest


def test_unwritable_place_gives_one_line_and_no_traceback(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run("demo", "--db", str(blocker / "demo.db"))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "demo" in result.stderr
