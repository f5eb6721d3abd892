"""A file with thousands of problems keeps and reports a few hundred, then 'and N more problems'."""

from __future__ import annotations

from pathlib import Path

from storage.interchange.imports.import_plan import ImportReport
from storage.interchange.table_files import SHOWN_PROBLEMS, Problem, ProblemList


def test_the_report_keeps_a_few_hundred_problems_and_counts_the_rest() -> None:
    report = ImportReport(Path("x.csv"))
    report.problems.extend(Problem(i, "sex", "x", "bad") for i in range(1, 20_001))
    report.problems.append(Problem(None, None, None, "late"))
    assert len(report.problems) == SHOWN_PROBLEMS <= 300
    lines = report.problem_lines(dialog=True)
    assert len(lines) == SHOWN_PROBLEMS + 1 and lines[-1] == f"and {20_001 - SHOWN_PROBLEMS:,} more problems"
    assert report.summary().startswith("20,001 problem(s) in x.csv")


def test_counts_carry_over_when_problem_lists_are_joined() -> None:
    inner = ProblemList(Problem(i, None, None, "bad") for i in range(1000))
    outer = ProblemList()
    outer.extend(inner)
    assert outer.total == 1000 and len(outer) == SHOWN_PROBLEMS
