"""`python main.py analyze --db X --endpoint os --group-by diagnosis --json --no-models` against a plain pandas + lifelines script.

Like for like: the baseline draws Kaplan–Meier curves and a log-rank test, so the timed analyze leaves out the
Cox, Gray and Fine–Gray models (--no-models); the full analyze with its models is timed too and reported as
"with_models" (no target: the models cost what lifelines' fit and the competing-risks sums cost).

The same synthetic cohort (storage.generated.synthetic) as a database and as its flat case file (CSV); both are
timed as whole processes, interleaved, from spawn to exit; the per-group n and events must agree.
Target: ratio of medians <= 1.5.
"""

from __future__ import annotations

import json
import sys

import _common as c

TARGET_RATIO = 1.5


def main() -> None:
    args = c.parser(__doc__.splitlines()[0]).parse_args()
    db, csv_file = c.cohort_db(args.cases, args.seed), c.cohort_csv(args.cases, args.seed)
    analyze = [sys.executable, str(c.ROOT / "main.py"), "analyze", "--db", str(db), "--endpoint", "os",
               "--group-by", "diagnosis", "--json", "--no-models"]
    with_models = analyze[:-1]
    baseline = [sys.executable, str(c.ROOT / "tests" / "benchmarks" / "_baseline_km.py"), str(csv_file)]
    app_times, base_times = [], []
    app_out: dict[str, object] = {}
    base_out: dict[str, object] = {}
    c.timed(analyze), c.timed(baseline)  # warm the file cache, untimed
    for _ in range(args.runs):
        for cmd, times in ((baseline, base_times), (analyze, app_times)):
            seconds, proc = c.timed(cmd)
            if proc.returncode != 0:
                raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr[-2000:]}")
            times.append(seconds)
            (app_out if cmd is analyze else base_out).update(json.loads(proc.stdout.strip().splitlines()[-1]))

    def counts(out: dict[str, object]) -> dict[str, tuple[int, int]]:
        return {g["label"]: (g["n"], g["events"]) for g in out["groups"]}  # type: ignore[attr-defined]

    model_times = [c.timed(with_models)[0] for _ in range(args.runs)]
    app, base = c.summary(app_times), c.summary(base_times)
    ratio = app["median"] / base["median"]
    c.emit({"benchmark": "analyze", "unit": "s", "cases": args.cases, "analyze": app, "pandas_lifelines": base,
            "with_models": c.summary(model_times),
            "ratio": round(ratio, 2), "target_ratio": TARGET_RATIO, "met": ratio <= TARGET_RATIO,
            "same_groups": counts(app_out) == counts(base_out),
            "median": app["median"], "min": app["min"], "max": app["max"], "n": app["n"]})


if __name__ == "__main__":
    main()
