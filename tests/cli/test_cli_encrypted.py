"""Every command on an encrypted database: the passphrase from CASEBOOK_PASSPHRASE (scripts) or a prompt."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PASSPHRASE = "Station 4b Kaffeemaschine"


def run(*args: str, passphrase: str | None = PASSPHRASE) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CASEBOOK_PASSPHRASE"}
    if passphrase is not None:
        env["CASEBOOK_PASSPHRASE"] = passphrase
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True,
                          timeout=180, env=env, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def encrypted_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("encrypted") / "demo.db"
    result = run("demo", "--db", str(path), "--encrypt")
    assert result.returncode == 0, result.stderr
    assert "(encrypted)" in result.stdout
    assert not path.read_bytes().startswith(b"SQLite format 3")
    return path


def test_analyze_gives_the_published_median_on_the_encrypted_demo(encrypted_demo: Path) -> None:
    result = run("analyze", "--db", str(encrypted_demo), "--endpoint", "os", "--at", "36", "--json")
    assert result.returncode == 0, result.stderr
    group = json.loads(result.stdout)["groups"][0]
    assert (group["n"], group["events"]) == (8, 6)
    assert group["median"] == pytest.approx(8.0164, abs=1e-4)  # the article's 8 months, (4 + 12.02) / 2
    assert group["at"][0]["survival"] == pytest.approx(0.375)


def test_verify_finds_no_problem_on_the_encrypted_demo(encrypted_demo: Path) -> None:
    result = run("verify", "--db", str(encrypted_demo))
    assert result.returncode == 0, result.stderr
    assert "Cases: 8" in result.stdout


def test_export_then_import_into_a_new_encrypted_database(encrypted_demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "cases.csv"
    result = run("export", "--db", str(encrypted_demo), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "The export is a plain file" in result.stdout
    target = tmp_path / "copy.db"
    result = run("import", str(out), "--db", str(target))
    assert result.returncode == 0, result.stderr
    assert "8 new" in result.stdout
    assert not target.read_bytes().startswith(b"SQLite format 3")  # a new database with a passphrase is encrypted
    assert "plain, unencrypted" not in result.stderr
    plain = tmp_path / "plain.db"
    result = run("import", str(out), "--db", str(plain), passphrase=None)
    assert result.returncode == 0, result.stderr
    assert "plain.db was created as a plain, unencrypted database" in result.stderr  # said, not silent


def test_no_or_a_wrong_passphrase_is_refused_in_one_line_and_the_file_unchanged(encrypted_demo: Path) -> None:
    before = hashlib.sha256(encrypted_demo.read_bytes()).hexdigest()
    for command in (["verify"], ["export", "--out", str(encrypted_demo.with_suffix(".csv"))],
                    ["analyze", "--endpoint", "os"]):
        missing = run(*command, "--db", str(encrypted_demo), passphrase=None)
        assert missing.returncode != 0
        assert "it is an encrypted one: give its passphrase" in missing.stderr and "Traceback" not in missing.stderr
        wrong = run(*command, "--db", str(encrypted_demo), passphrase="not the passphrase")
        assert wrong.returncode != 0
        assert "the passphrase is not the one of this database" in wrong.stderr
        assert len(wrong.stderr.strip().splitlines()) == 1
    assert hashlib.sha256(encrypted_demo.read_bytes()).hexdigest() == before


def test_passphrase_prompt_without_a_terminal_says_to_use_the_environment(encrypted_demo: Path) -> None:
    result = run("verify", "--db", str(encrypted_demo), "--passphrase-prompt", passphrase=None)
    assert result.returncode == 1
    assert "--passphrase-prompt needs a terminal; in a script set CASEBOOK_PASSPHRASE" in result.stderr


def test_demo_encrypt_refuses_a_short_passphrase(tmp_path: Path) -> None:
    result = run("demo", "--db", str(tmp_path / "d.db"), "--encrypt", passphrase="short")
    assert result.returncode == 1
    assert "at least 10 characters" in result.stderr
    assert not (tmp_path / "d.db").exists()


def test_figure_and_report_on_the_encrypted_demo(encrypted_demo: Path, tmp_path: Path) -> None:
    for command, out in (("figure", tmp_path / "km.pdf"), ("report", tmp_path / "report.pdf")):
        result = run(command, "--db", str(encrypted_demo), "--out", str(out))
        assert result.returncode == 0, result.stderr
        assert out.read_bytes().startswith(b"%PDF")
        refused = run(command, "--db", str(encrypted_demo), "--out", str(tmp_path / f"x-{out.name}"), passphrase=None)
        assert refused.returncode != 0 and "it is an encrypted one" in refused.stderr
