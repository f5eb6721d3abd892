"""Shared plumbing of the benchmark scripts: arguments, cached synthetic cohorts, statistics, JSON.

Every script prints one JSON object on stdout. A part of the app that is not there yet gives
{"benchmark": ..., "skipped": "why"} and exit status 3, so the small-size test can tell it apart
from a failure.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SKIPPED = 3
CACHE = Path(os.environ.get("CASEBOOK_BENCH_CACHE", Path(os.environ.get("TMPDIR", "/tmp")) / "casebook-bench"))


def parser(description: str, runs: int = 5, cases: int = 50_000) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--cases", type=int, default=cases, help=f"cohort size (default {cases})")
    p.add_argument("--runs", type=int, default=runs, help=f"timed runs (default {runs}; quote medians of >= 5)")
    p.add_argument("--seed", type=int, default=1)
    return p


def env() -> dict[str, str]:
    e = dict(os.environ)
    e["QT_QPA_PLATFORM"] = "offscreen"
    e["PYTHONPATH"] = str(ROOT) + os.pathsep + e.get("PYTHONPATH", "")
    e.setdefault("MPLBACKEND", "Agg")
    # The app's QSettings (window geometry, recent files) go to a benchmark folder, not the user's.
    e["XDG_CONFIG_HOME"] = str(CACHE / "config")
    e["XDG_DATA_HOME"] = str(CACHE / "data")
    return e


def _version() -> str:
    """Schema head and generator source: a cached cohort is rebuilt when either changes."""
    import hashlib

    from storage.database import head_revision

    source = (ROOT / "storage" / "generated" / "synthetic.py").read_bytes()
    return f"{head_revision()}-{hashlib.sha256(source).hexdigest()[:8]}"


def cohort_db(cases: int, seed: int = 1) -> Path:
    """A cached synthetic database (built once per size, seed and version; never opened by the app)."""
    from storage.generated.synthetic import build_database

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"cohort-{cases}-{seed}-{_version()}.db"
    if not path.exists():
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.unlink(missing_ok=True)
        build_database(tmp, cases, seed)
        tmp.rename(path)
    return path


def cohort_csv(cases: int, seed: int = 1) -> Path:
    from storage.generated.synthetic import write_csv

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"cohort-{cases}-{seed}-{_version()}.csv"
    if not path.exists():
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        write_csv(tmp, cases, seed)
        tmp.rename(path)
    return path


def fresh_copy(source: Path, workdir: Path, name: str = "casebook.db") -> Path:
    """A private copy for one run, since the app may write to (and back up) what it opens."""
    workdir.mkdir(parents=True, exist_ok=True)
    target = workdir / name
    for suffix in ("", "-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    shutil.copyfile(source, target)
    return target


def empty_db(workdir: Path) -> Path:
    from storage.database import create_database

    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "empty.db"
    if path.exists():
        path.unlink()
    create_database(path).close()
    return path


def summary(values: Sequence[float], digits: int = 4) -> dict[str, Any]:
    return {
        "median": round(statistics.median(values), digits),
        "min": round(min(values), digits),
        "max": round(max(values), digits),
        "n": len(values),
        "runs": [round(v, digits) for v in values],
    }


def run_json(cmd: Sequence[str], timeout: float = 600, cwd: Path | None = None) -> dict[str, Any]:
    """Run a child that prints one JSON object as its last stdout line."""
    proc = subprocess.run(list(cmd), capture_output=True, text=True, timeout=timeout, env=env(),
                          cwd=str(cwd or ROOT))
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {proc.stderr.strip()[-2000:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def timed(cmd: Sequence[str], timeout: float = 600) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Wall time of a child process, from just before it is spawned to its exit."""
    started = time.perf_counter()
    proc = subprocess.run(list(cmd), capture_output=True, text=True, timeout=timeout, env=env(), cwd=str(ROOT))
    return time.perf_counter() - started, proc


def emit(result: dict[str, Any]) -> None:
    print(json.dumps(result))


def skip(benchmark: str, why: str) -> NoReturn:
    emit({"benchmark": benchmark, "skipped": why})
    sys.exit(SKIPPED)


def target_met(value: float, limit: float) -> bool:
    return value <= limit


PROBE = Path(__file__).with_name("_gui_probe.py")


def gui_available() -> bool:
    return (ROOT / "gui" / "shell" / "app.py").exists()


def probe(mode: str, app_args: Sequence[str] = (), *, bare: bool = False, harness: bool = False,
          timeout: float = 300, passphrase: str | None = None) -> tuple[float, dict[str, Any]]:
    """Start a GUI probe process; (seconds from just before spawning to its report, its report).

    ``passphrase``: the probe answers the window's passphrase dialog with it (an encrypted database)."""
    flags = ["--bare"] if bare else ["--harness"] if harness else []
    if passphrase is not None:
        flags += ["--passphrase", passphrase]
    cmd = [sys.executable, str(PROBE), mode, *flags, "--", *app_args]
    started = time.time()
    result = run_json(cmd, timeout=timeout)
    if "error" in result:
        raise RuntimeError(f"probe {mode}: {result['error']}")
    painted = float(result.get("painted_at", started))
    return painted - started, result
