"""Point 3 of issue 14, the crash test extended to exports: an export killed half-way leaves no data in the
system's temp folder, nothing at the target, only an owner-only hidden staging folder that the next export
removes."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from storage.generated.demo import write_demo
from storage.interchange.export.export_writers import STAGING_MARK

ROOT = Path(__file__).parents[3]
CHILD = """
import sys, time
from pathlib import Path
from storage.database import open_database
from storage.interchange.export import export_writers
from storage.interchange.export.exporting import ExportOptions, export_database

real, calls = export_writers._xlsx_value, [0]
def slow(value):
    calls[0] += 1
    if calls[0] == 200:
        print("HALF-WAY", flush=True)
        time.sleep(60)  # killed here, with rows of names and hospital numbers streamed to disk
    return real(value)
export_writers._xlsx_value = slow
db = open_database(Path(sys.argv[1]), backup=False)
with db.session() as session:
    export_database(session, Path(sys.argv[2]), ExportOptions(fmt="xlsx", long=True))
"""


@pytest.mark.parametrize("kill", [signal.SIGKILL, signal.SIGTERM])
def test_a_killed_xlsx_export_leaves_nothing_readable_behind(tmp_path: Path, kill: signal.Signals) -> None:
    db = tmp_path / "demo.db"
    write_demo(db).close()
    system_temp = tmp_path / "system-temp"
    system_temp.mkdir()
    out = tmp_path / "exports" / "cases.xlsx"
    out.parent.mkdir()
    env = {**os.environ, "TMPDIR": str(system_temp)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(db), str(out)], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    deadline = time.monotonic() + 60
    while child.stdout.readline().strip() != "HALF-WAY":
        assert time.monotonic() < deadline and child.poll() is None
    child.send_signal(kill)
    child.wait(timeout=30)
    assert list(system_temp.iterdir()) == []  # openpyxl's sheet files went beside the target
    assert not out.exists()
    leftovers = list(out.parent.iterdir())
    assert all(p.name.startswith(f".cases.xlsx{STAGING_MARK}") for p in leftovers)
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o700 for p in leftovers)
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "export", "--db", str(db), "--out", str(out),
                           "--long"], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.parent.iterdir()) == ["cases.xlsx"]
