"""The import, export and verify subcommands: exit status and one-line messages, never a traceback."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from storage.generated.demo import write_demo
from storage.safety.lock import acquire_lock

ROOT = Path(__file__).parents[2]


def casebook(*args: str | Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)], capture_output=True,
                            text=True, cwd=ROOT, timeout=120)
    assert "Traceback" not in result.stderr, result.stderr
    return result


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    write_demo(tmp_path / "demo.db").close()
    return tmp_path / "demo.db"


def test_export_import_verify_round_trip(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "cases.csv"
    exported = casebook("export", "--db", demo, "--out", out)
    assert exported.returncode == 0 and "Exported 8 cases" in exported.stdout
    dry = casebook("import", out, "--db", tmp_path / "copy.db", "--dry-run")
    assert dry.returncode == 0 and "dry run" in dry.stdout
    done = casebook("import", out, "--db", tmp_path / "copy.db")
    assert done.returncode == 0 and "8 new and 0 updated case(s) imported." in done.stdout
    again = casebook("import", out, "--db", tmp_path / "copy.db")
    assert again.returncode == 1 and again.stderr.count("already exists in the database") == 8
    verified = casebook("verify", "--db", tmp_path / "copy.db")
    assert verified.returncode == 0 and "hash chain intact" in verified.stdout


def test_import_reports_each_problem_on_its_own_line(demo: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("study_id,sex,salvage_start,colour\nA1,x,2019-01-01,red\nA2,f,03/04/2019,blue\n", "utf-8")
    result = casebook("import", bad, "--db", demo)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1
    assert lines[0] == ("casebook import: column colour: unknown column: not in the case template and not a "
                        "custom field (rename it, or add it as a custom field: --add-fields)")
    assert any(line.startswith("casebook import: row 1, column sex, value 'x':") for line in lines)
    assert any(line.startswith("casebook import: row 2, column salvage_start, value '03/04/2019':") for line in lines)
    assert lines[-1] == "casebook import: 3 problem(s) in bad.csv; nothing was imported."


@pytest.mark.parametrize("args, message", [
    (("import", "missing.csv", "--db", "{db}"), "there is no file missing.csv"),
    (("import", "{junk}", "--db", "{db}"), "is neither UTF-8 nor Windows-1252 text"),
    (("import", "{csv}", "--db", "{junk}"), "is not a Casebook database"),
    (("import", "{csv}", "--db", "{db}", "--date-format", "dd.mm.yyyy"), "has no % codes"),
    (("export", "--db", "{tmp}/none.db", "--out", "{tmp}/x.csv"), "there is no database"),
    (("export", "--db", "{junk}", "--out", "{tmp}/x.csv"), "is not a Casebook database"),
    (("export", "--db", "{db}", "--out", "{tmp}/x.sav", "--long"), "the long format is written as xlsx"),
    (("verify", "--db", "{junk}"), "is not a Casebook database"),
], ids=["no-file", "junk-file", "junk-db", "bad-date-format", "no-db", "junk-export-db", "long-sav", "verify-junk"])
def test_bad_input_gives_a_one_line_message_and_a_non_zero_exit(demo: Path, tmp_path: Path, args: tuple[str, ...],
                                                                message: str) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 40)
    csv_file = tmp_path / "ok.csv"
    csv_file.write_text("study_id\nZ1\n", "utf-8")
    values = {"db": demo, "junk": junk, "csv": csv_file, "tmp": tmp_path}
    result = casebook(*(a.format(**values) for a in args))
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert message in lines[0] and all(line.startswith("casebook ") for line in lines), result.stderr
    assert len(lines) == 1 or lines[1].endswith("nothing was imported.")
    assert junk.read_bytes() == bytes(range(256)) * 40


def test_a_locked_database_is_not_imported_into_but_can_be_exported(demo: Path, tmp_path: Path) -> None:
    csv_file = tmp_path / "ok.csv"
    csv_file.write_text("study_id\nZ1\n", "utf-8")
    with acquire_lock(demo):
        refused = casebook("import", csv_file, "--db", demo)
        assert refused.returncode == 1 and "open in another Casebook window" in refused.stderr
        assert casebook("export", "--db", demo, "--out", tmp_path / "x.xlsx").returncode == 0
        assert casebook("export", "--db", demo, "--out", tmp_path / "d.csv", "--deidentify").returncode == 1


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "sav", "dta"])
def test_every_format_exports_deidentified(demo: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"deid.{fmt}"
    result = casebook("export", "--db", demo, "--out", out, "--deidentify", "--days-from-time-zero")
    assert result.returncode == 0 and out.exists() and "de-identified" in result.stdout


def test_verify_finds_tampering_and_exits_non_zero(demo: Path) -> None:
    conn = sqlite3.connect(demo)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET new_value = '{}' WHERE id = 2")
    conn.commit()
    conn.close()
    result = casebook("verify", "--db", demo)
    assert result.returncode == 1
    assert "PROBLEM: audit entry 2: its content does not match its hash" in result.stderr
    assert "PROBLEM: the append-only trigger audit_log_no_update has been removed" in result.stderr
    assert "SQLite integrity check: ok" in result.stdout


def test_export_refuses_to_overwrite_the_database_or_an_existing_file(demo: Path, tmp_path: Path) -> None:
    before = demo.read_bytes()
    result = casebook("export", "--db", demo, "--out", demo, "--format", "csv")
    assert result.returncode == 1 and "is the database" in result.stderr
    assert demo.read_bytes() == before
    out = tmp_path / "cases.csv"
    assert casebook("export", "--db", demo, "--out", out).returncode == 0
    again = casebook("export", "--db", demo, "--out", out)
    assert again.returncode == 1 and "--overwrite" in again.stderr
    assert casebook("export", "--db", demo, "--out", out, "--overwrite").returncode == 0
    mismatch = casebook("export", "--db", demo, "--out", tmp_path / "x.csv", "--format", "xlsx")
    assert mismatch.returncode == 1 and "format is xlsx" in mismatch.stderr


def test_read_only_commands_make_no_backups(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "cases.csv"
    assert casebook("export", "--db", demo, "--out", out).returncode == 0
    assert casebook("import", out, "--db", demo, "--dry-run", "--update-existing").returncode == 0
    assert casebook("verify", "--db", demo).returncode == 0
    assert casebook("import", out, "--db", demo).returncode == 1  # every study ID exists: nothing written
    assert not (tmp_path / "backups").exists() or not list((tmp_path / "backups").iterdir())


def test_a_dry_run_or_a_failed_import_leaves_no_new_database(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "cases.csv"
    assert casebook("export", "--db", demo, "--out", out).returncode == 0
    dry = casebook("import", out, "--db", tmp_path / "new.db", "--dry-run")
    assert dry.returncode == 0 and "dry run" in dry.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("study_id,sex\nA1,x\n", "utf-8")
    assert casebook("import", bad, "--db", tmp_path / "new.db").returncode == 1
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith("new.db")]


@pytest.mark.parametrize("command", [
    ("import", "{csv}", "--db", "."),
    ("import", "{csv}", "--db", "{tmp}"),
    ("import", "{csv}", "--db", "/proc/x.db"),
    ("export", "--db", "{demo}", "--out", ""),
    ("export", "--db", "{demo}", "--out", "{csv}/x.csv"),
    ("export", "--db", "{tmp}", "--out", "{tmp}/y.csv"),
    ("verify", "--db", "{tmp}"),
    ("verify", "--db", "{tmp}/missing.db"),
])
def test_bad_paths_get_one_line_naming_the_path(demo: Path, tmp_path: Path, command: tuple[str, ...]) -> None:
    csv_file = tmp_path / "cases.csv"
    assert casebook("export", "--db", demo, "--out", csv_file).returncode == 0
    args = [a.format(csv=csv_file, tmp=tmp_path, demo=demo) for a in command]
    result = casebook(*args)
    lines = result.stderr.strip().splitlines()
    assert result.returncode != 0 and len(lines) == 1, result.stderr
    assert "Error" not in lines[0] and "PosixPath" not in lines[0] and "[Errno" not in lines[0], lines[0]
    named = [a for a in args[2:] if a not in ("--db", "--out") and a]
    assert any(Path(a).name in lines[0] for a in named) or "no output file" in lines[0], lines[0]


def test_the_freeze_line_is_a_whole_sentence(demo: Path, tmp_path: Path) -> None:
    from storage.database import open_database
    from storage.safety.freeze import freeze_dataset

    db = open_database(demo, backup=False)
    with db.session() as session:
        freeze_dataset(session, dt.date(2026, 1, 1))
    db.close()
    result = casebook("export", "--db", demo, "--out", tmp_path / "c.csv")
    line = next(x for x in result.stdout.splitlines() if "Data freeze" in x)
    assert line.endswith("the data are unchanged since the freeze."), line


def test_twenty_thousand_bad_rows_print_a_few_hundred_lines_and_a_count(demo: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("study_id,sex\n" + "".join(f"B{i},x\n" for i in range(20_000)), "utf-8")
    result = casebook("import", bad, "--db", demo)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) <= 302
    assert lines[-2] == "casebook import: and 19,700 more problems"
    assert lines[-1] == "casebook import: 20,000 problem(s) in bad.csv; nothing was imported."


def test_a_note_over_the_csv_field_limit_exports_and_imports_again(demo: Path, tmp_path: Path) -> None:
    note = "Long note. " * 20_000  # 220,000 characters, over Python's default CSV field limit of 131,072
    with sqlite3.connect(demo) as conn:
        conn.execute("UPDATE cases SET notes = ? WHERE id = (SELECT min(id) FROM cases)", (note,))
    out = tmp_path / "cases.csv"
    assert casebook("export", "--db", demo, "--out", out).returncode == 0
    done = casebook("import", out, "--db", tmp_path / "copy.db")
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(tmp_path / "copy.db") as conn:
        assert conn.execute("SELECT count(*) FROM cases WHERE notes = ?", (note.strip(),)).fetchone()[0] \
            + conn.execute("SELECT count(*) FROM cases WHERE notes = ?", (note,)).fetchone()[0] == 1


class _Terminal:
    def __init__(self, tty: bool) -> None:
        self.tty, self.text = tty, ""

    def isatty(self) -> bool:
        return self.tty

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


def test_a_long_import_shows_a_progress_line_on_a_terminal_only() -> None:
    from storage.data_commands import terminal_progress

    times = iter([0.0, 0.1, 0.7, 0.9, 1.5])
    terminal = _Terminal(tty=True)
    with terminal_progress(terminal, clock=lambda: next(times)) as progress:
        assert progress is not None
        for done in (500, 1000, 1500, 2000):
            progress(done, 2000, "checking cases")
    assert terminal.text.count("\r\x1b[Kcasebook import: checking cases") == 2
    assert "checking cases 1,000 of 2,000" in terminal.text and "2,000 of 2,000" in terminal.text
    assert terminal.text.endswith("\r\x1b[K")  # the line is cleared before the result is printed
    reading = _Terminal(tty=True)
    with terminal_progress(reading, clock=iter([0.0, 1.0, 2.0]).__next__) as progress:
        assert progress is not None
        progress(5000, 0, "reading rows")  # the first pass: how many rows the file has is not known yet
    assert "casebook import: reading rows 5,000\r" in reading.text and " of " not in reading.text
    pipe = _Terminal(tty=False)
    with terminal_progress(pipe) as progress:
        assert progress is None
    assert pipe.text == ""
