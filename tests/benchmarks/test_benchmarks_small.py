"""Every benchmark script runs at a small size and prints JSON with its figures (timings are not asserted).

The full-size runs are by hand (see docs/performance.md). A script whose part of the app has not landed
prints {"skipped": ...} and exits 3; the test then skips, naming what is missing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SKIPPED = 3
STATS = {"median", "min", "max", "n"}

# script -> extra arguments, keys its JSON must have besides the statistics
SCRIPTS = {
    "bench_startup.py": ([], {"app", "bare_qt", "ratio", "met"}),
    "bench_startup_50k.py": ([], {"rows_shown", "target", "met"}),
    "bench_filter.py": ([], {"p90", "worst_keystroke", "target", "met"}),
    "bench_km.py": (["--tab"], {"load_summaries", "tab", "target", "met"}),
    "bench_analyze.py": ([], {"analyze", "pandas_lifelines", "ratio", "same_groups", "met"}),
    "bench_import.py": (["--gui"], {"cases", "audit_entries", "dialog", "target", "met"}),
    "bench_import_long.py": (["--gui"], {"cases", "records", "peak_rss_mb", "dialog", "target", "met"}),
    "bench_memory.py": ([], {"rows_shown", "target", "met"}),
    "bench_import_memory.py": ([], {"sizes", "target_bytes_per_row", "met"}),
    "bench_case_entry.py": ([], {"key_events", "characters_typed", "other_keys", "same_every_run"}),
    "bench_encryption.py": ([], {"startup", "analyze", "open", "read", "import", "kdf_s", "target", "met"}),
    "bench_bundle.py": ([], {"bundle_mb", "bundle", "installed", "ratio", "met"}),  # skipped: no bundle built
}


@pytest.fixture(scope="module")
def bench_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", MPLBACKEND="Agg")
    env["CASEBOOK_BENCH_CACHE"] = str(tmp_path_factory.mktemp("bench-cache"))
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def test_every_script_is_covered() -> None:
    assert sorted(p.name for p in HERE.glob("bench_*.py")) == sorted(SCRIPTS)


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_benchmark_runs_small(script: str, bench_env: dict[str, str]) -> None:
    extra, keys = SCRIPTS[script]
    proc = subprocess.run(
        [sys.executable, str(HERE / script), "--cases", "200", "--runs", "1", *extra],
        capture_output=True, text=True, timeout=600, env=bench_env, cwd=str(ROOT),
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    assert lines, f"no JSON on stdout (exit {proc.returncode}): {proc.stderr[-3000:]}"
    result = json.loads(lines[-1])
    if proc.returncode == SKIPPED:
        pytest.skip(f"{script}: {result['skipped']}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert result["benchmark"] and result.keys() >= STATS and keys <= result.keys(), result
    assert result["n"] >= 1 and result["min"] <= result["median"] <= result["max"]
    if script == "bench_import.py":  # the synthetic case file imports whole, through CLI and dialog
        assert result["cases"] == result["audit_entries"] == 200 and result["dialog"]["written"]
    if script == "bench_import_long.py":  # every sheet of the long workbook imports, through CLI and dialog
        assert result["cases"] == result["audit_entries"] == 200 and result["dialog"]["written"]
        assert result["records"] + result["cases"] == result["records_in_file"]
    if script == "bench_analyze.py":
        assert result["same_groups"]  # the app and the hand-written script analysed the same cases
