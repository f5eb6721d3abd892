"""What a programmer would write by hand: read the flat case file with pandas, fit OS by diagnosis with lifelines.

    python _baseline_km.py CASES.csv

Overall survival in months (30.4375 days) from salvage_start to death_date, or censored at
last_follow_up; one Kaplan-Meier curve per diagnosis, its median, and a k-group log-rank test.
Prints one JSON line (n and events per group, so the benchmark can check both did the same work).
"""

import json
import sys

import pandas as pd
from lifelines import KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test

cases = pd.read_csv(sys.argv[1], parse_dates=["salvage_start", "death_date", "last_follow_up"])
end = cases["death_date"].fillna(cases["last_follow_up"])
cases["months"] = (end - cases["salvage_start"]).dt.days / 30.4375
cases["died"] = cases["death_date"].notna()
cases = cases.dropna(subset=["months"])
groups = []
for label, group in cases.groupby("diagnosis"):
    km = KaplanMeierFitter().fit(group["months"], group["died"], label=str(label))
    groups.append({"label": str(label), "n": len(group), "events": int(group["died"].sum()),
                   "median": float(km.median_survival_time_)})
test = multivariate_logrank_test(cases["months"], cases["diagnosis"], cases["died"])
print(json.dumps({"groups": groups, "logrank": {"chisq": float(test.test_statistic), "p": float(test.p_value)}}))
