"""Encrypted beside plain, the same cohort, runs interleaved (plain, encrypted, plain, ...) so that a busy
machine slows both alike.

    python tests/benchmarks/bench_encryption.py [--cases 50000] [--runs 5]

- startup: `python main.py --db COPY` to the case list painted with its rows (the window's opening, as in
  bench_startup_50k); the encrypted run's passphrase dialog is answered by the probe at once
- analyze: `python main.py analyze --db X --endpoint os --group-by diagnosis --json --no-models`, a whole
  process (the encrypted one with CASEBOOK_PASSPHRASE)
- open: storage.database.open_database with its backup on opening; encrypted runs forget the passphrase
  first, so each includes the key derivation (PBKDF2-HMAC-SHA512, 256,000 rounds), timed apart as "kdf"
- read: every case summary loaded (what the case list and the analysis read)
- import: the synthetic flat case file imported into a new database
Prints one JSON object with the medians and encrypted/plain ratios (``--only`` some of them). Target: every
ratio <= 1.3.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import _common as c

PASSPHRASE = "Benchmark passphrase 2026"
TARGET_RATIO = 1.3
STEPS = ("startup", "analyze", "open", "read", "import")


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def main() -> int:
    p = c.parser(__doc__ or "", runs=5)
    p.add_argument("--only", nargs="*", choices=STEPS, default=list(STEPS), help="some of the measurements")
    args = p.parse_args()
    from storage.database import create_database, open_database
    from storage.interchange.imports.importing import ImportOptions, import_file
    from storage.safety import encryption
    from storage.safety.encrypting import encrypt_database
    from storage.views.summaries import load_summaries

    work = Path(tempfile.mkdtemp(prefix="casebook-bench-enc-"))
    plain = work / "plain" / "cohort.db"
    secret = work / "secret" / "cohort.db"
    # Two studies of the same size and make (seeds differ): a plain copy of the very study that was encrypted
    # would be, rightly, warned about on opening (storage.safety.anchors.encrypted_before).
    for path, seed in ((plain, args.seed), (secret, args.seed + 1)):
        path.parent.mkdir()
        shutil.copy(c.cohort_db(args.cases, seed), path)
    encrypt_database(secret, PASSPHRASE)
    csv_file = c.cohort_csv(args.cases, args.seed)
    os.environ[encryption.ENVIRONMENT_VARIABLE] = PASSPHRASE  # the child processes' (analyze) passphrase

    def startup(path: Path, run: list[int]) -> float:
        run[0] += 1
        copy = c.fresh_copy(path, path.parent / f"startup{run[0]}")
        passphrase = PASSPHRASE if path == secret else None
        seconds, _report = c.probe("rows", ["--db", str(copy)], passphrase=passphrase)
        shutil.rmtree(copy.parent, ignore_errors=True)
        return seconds

    def analyze(path: Path) -> float:
        cmd = [sys.executable, str(c.ROOT / "main.py"), "analyze", "--db", str(path), "--endpoint", "os",
               "--group-by", "diagnosis", "--json", "--no-models"]
        seconds, proc = c.timed(cmd)
        if proc.returncode != 0:
            raise SystemExit(f"analyze failed: {proc.stderr[-2000:]}")
        return seconds

    def opening(path: Path, passphrase: str | None) -> None:
        encryption.forget_all()
        open_database(path, passphrase=passphrase).close()

    def reading(path: Path) -> None:
        db = open_database(path, backup=False, passphrase=PASSPHRASE if path == secret else None)
        try:
            with db.session() as session:
                assert len(load_summaries(session)) == args.cases
        finally:
            db.close()

    def importing(folder: Path, passphrase: str | None) -> None:
        db = create_database(folder / f"import-{time.monotonic_ns()}.db", passphrase)
        try:
            report = import_file(db, csv_file, ImportOptions())
            assert report.written, report.summary()
        finally:
            db.close()

    runs_p, runs_s = [0], [0]
    steps: list[tuple[str, Callable[[], float], Callable[[], float]]] = [
        ("startup", lambda: startup(plain, runs_p), lambda: startup(secret, runs_s)),
        ("analyze", lambda: analyze(plain), lambda: analyze(secret)),
        ("open", lambda: _timed(lambda: opening(plain, None)), lambda: _timed(lambda: opening(secret, PASSPHRASE))),
        ("read", lambda: _timed(lambda: reading(plain)), lambda: _timed(lambda: reading(secret))),
        ("import", lambda: _timed(lambda: importing(plain.parent, None)),
         lambda: _timed(lambda: importing(secret.parent, PASSPHRASE))),
    ]
    steps = [step for step in steps if step[0] in args.only]
    result: dict[str, object] = {"benchmark": "encryption", "cases": args.cases, "runs_each": args.runs}
    for name, plain_work, secret_work in steps:
        plain_work(), secret_work()  # warm the file cache and the imports, untimed
        plain_runs, secret_runs = [], []
        for _ in range(args.runs):
            plain_runs.append(plain_work())
            secret_runs.append(secret_work())
        plain_s, secret_s = statistics.median(plain_runs), statistics.median(secret_runs)
        if name == steps[0][0]:
            result.update(c.summary(secret_runs))  # the headline figures: the first measurement, encrypted
        result[name] = {"plain_s": round(plain_s, 3), "encrypted_s": round(secret_s, 3),
                        "ratio": round(secret_s / plain_s, 2), "plain_runs": [round(v, 3) for v in plain_runs],
                        "encrypted_runs": [round(v, 3) for v in secret_runs]}
    salt = encryption.salt_of(secret)
    result["kdf_s"] = round(statistics.median(
        _timed(lambda: hashlib.pbkdf2_hmac("sha512", PASSPHRASE.encode(), salt, encryption.KDF_ROUNDS, 32))
        for _ in range(args.runs)), 3)
    result["target"] = TARGET_RATIO
    names = [name for name, _p, _s in steps]
    result["met"] = all(result[name]["ratio"] <= TARGET_RATIO for name in names)  # type: ignore[index]
    print(json.dumps(result))
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
