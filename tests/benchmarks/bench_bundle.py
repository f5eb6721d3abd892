"""The program folder against the installed program: its size, and start-up to a painted, opened window.

    .venv/bin/pyinstaller --noconfirm casebook.spec        (builds dist/casebook/, see README "For hospital IT")
    .venv/bin/python tests/benchmarks/bench_bundle.py [--bundle dist/casebook] [--runs 9]

Start-up is timed the same way for both, side by side and interleaved: from just before the process is spawned
until it prints "started: ..." (gui.shell.app, CASEBOOK_QUIT_AFTER_START), which happens after the first paint
of the main window, once the demo database is open. Target: bundle / installed <= 1.5.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common as c

TARGET_RATIO = 1.5


def _started(cmd: list[str], home: Path) -> float:
    env = c.env() | {"CASEBOOK_QUIT_AFTER_START": "1", "HOME": str(home), "XDG_CONFIG_HOME": str(home / "config"),
                     "XDG_DATA_HOME": str(home / "data")}
    begin = time.perf_counter()
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env) as child:
        assert child.stdout is not None
        for line in child.stdout:
            if line.startswith("started:"):
                elapsed = time.perf_counter() - begin
                child.wait(timeout=60)
                return elapsed
    raise RuntimeError(f"{cmd[0]} never said it started")


def _size_mb(folder: Path) -> float:
    return sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink()) / 1e6


def main() -> None:
    p = c.parser(__doc__.splitlines()[0], runs=9, cases=0)
    p.add_argument("--bundle", type=Path, default=c.ROOT / "dist" / "casebook")
    args = p.parse_args()
    program = args.bundle / "casebook"
    if not program.is_file():
        c.skip("bundle", f"no bundle at {args.bundle}: build it with `pyinstaller --noconfirm casebook.spec`")
    bundled, installed = [], []
    with tempfile.TemporaryDirectory() as tmp:
        home, db = Path(tmp), Path(tmp) / "demo.db"
        subprocess.run([str(program), "demo", "--db", str(db)], check=True, capture_output=True, env=c.env())
        gui_bundled = [str(program), "--db", str(db)]
        gui_installed = [sys.executable, str(c.ROOT / "main.py"), "--db", str(db)]
        _started(gui_bundled, home), _started(gui_installed, home)  # warm the file cache for both, untimed
        for _ in range(args.runs):
            bundled.append(_started(gui_bundled, home))
            installed.append(_started(gui_installed, home))
    b, i = c.summary(bundled), c.summary(installed)
    ratio = b["median"] / i["median"]
    c.emit({"benchmark": "bundle", "unit": "s", "bundle_mb": round(_size_mb(args.bundle), 1),
            "bundle": b, "installed": i, "ratio": round(ratio, 2), "target_ratio": TARGET_RATIO,
            "met": ratio <= TARGET_RATIO, "median": b["median"], "min": b["min"], "max": b["max"], "n": b["n"]})


if __name__ == "__main__":
    main()
