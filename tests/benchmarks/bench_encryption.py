"""Encrypted beside plain, side by side in one process: opening, reading every case, and importing.

    python tests/benchmarks/bench_encryption.py [--cases 50000] [--runs 3]

- open: open_database with its backup on opening (the window's opening); encrypted runs forget the
  passphrase first, so each includes the key derivation (PBKDF2-HMAC-SHA512, 256,000 rounds, ~0.5 s)
- read: every case summary loaded (what the case list and the analysis read)
- import: the synthetic flat case file imported into a new database
Prints one JSON object with the medians and encrypted/plain ratios. Target: every ratio <= 1.3.
"""

from __future__ import annotations

import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import _common as c

PASSPHRASE = "Benchmark passphrase 2026"
TARGET_RATIO = 1.3


def _timed(work: object) -> float:
    started = time.perf_counter()
    work()  # type: ignore[operator]
    return time.perf_counter() - started


def main() -> int:
    args = c.parser(__doc__ or "", runs=3).parse_args()
    from storage.database import create_database, open_database
    from storage.interchange.imports.importing import ImportOptions, import_file
    from storage.safety import encryption
    from storage.safety.encrypting import encrypt_database
    from storage.views.summaries import load_summaries

    work = Path(tempfile.mkdtemp(prefix="casebook-bench-enc-"))
    plain = work / "plain" / "cohort.db"
    secret = work / "secret" / "cohort.db"
    for path in (plain, secret):
        path.parent.mkdir()
        shutil.copy(c.cohort_db(args.cases, args.seed), path)
    encrypt_database(secret, PASSPHRASE)
    csv_file = c.cohort_csv(args.cases, args.seed)

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

    result: dict[str, object] = {"benchmark": "encryption", "cases": args.cases, "runs": args.runs}
    for name, plain_work, secret_work in (
        ("open", lambda: opening(plain, None), lambda: opening(secret, PASSPHRASE)),
        ("read", lambda: reading(plain), lambda: reading(secret)),
        ("import", lambda: importing(plain.parent, None), lambda: importing(secret.parent, PASSPHRASE)),
    ):
        plain_runs = [_timed(plain_work) for _ in range(args.runs)]
        secret_runs = [_timed(secret_work) for _ in range(args.runs)]
        plain_s, secret_s = statistics.median(plain_runs), statistics.median(secret_runs)
        if name == "open":
            result.update(c.summary(secret_runs))  # the headline figures: the encrypted opening's seconds
        result[name] = {"plain_s": round(plain_s, 3), "encrypted_s": round(secret_s, 3),
                        "ratio": round(secret_s / plain_s, 2)}
    result["target"] = TARGET_RATIO
    result["met"] = all(result[name]["ratio"] <= TARGET_RATIO for name in ("open", "read", "import"))  # type: ignore[index]
    print(json.dumps(result))
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
