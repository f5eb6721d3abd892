"""The import problems as the dialog lists them: a date column that needs a date format is said once, with
an example of its own dates, and each of its cells is listed shortly (the command line keeps one line per
cell, naming --date-format)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from storage.interchange.table_files import Problem, worded

CELL_RULE = "day or month unclear: choose the date format above"


@dataclass(frozen=True)
class DialogProblem:
    text: str
    problem: Problem  # where the line points (a column line: row None)
    needs_date_format: bool = False  # the line is fixed by choosing the date format


def needs_date_format(problem: Problem) -> bool:
    """A cell refused because no date format was chosen (the data do not fix day and month)."""
    return problem.row is not None and "is not a date in the form YYYY-MM-DD" in problem.rule \
        and "[[date-format]]" in problem.rule


def column_rule(example: str) -> str:
    return f"dates like {example} - choose the date format above (the data do not tell day from month)"


def dialog_problems(problems: Sequence[Problem]) -> list[DialogProblem]:
    """Every problem in the dialog's words: first one line per date column that needs a date format,
    then each problem in order, the cells of those columns shortly."""
    columns: dict[tuple[str | None, str | None], Problem] = {}
    for p in problems:
        if needs_date_format(p):
            columns.setdefault((p.sheet, p.column), p)
    found = [DialogProblem(Problem(None, None, None, f"{column}: {column_rule(first.value or '')}",
                                   sheet).text(dialog=True),
                           Problem(None, column, None, column_rule(first.value or ""), sheet), True)
             for (sheet, column), first in columns.items()]
    for p in problems:
        if needs_date_format(p):
            short = Problem(p.row, p.column, p.value, CELL_RULE, p.sheet)
            found.append(DialogProblem(short.text(dialog=True), p, True))
        else:
            found.append(DialogProblem(_unrepeated(p).text(dialog=True), p))
    return found


def _unrepeated(problem: Problem) -> Problem:
    """"value 'x': maps to no code ..." rather than "value 'x': 'x' maps to no code ..." (the list is narrow)."""
    said = f"{problem.value!r} " if problem.value is not None else None
    if said and problem.rule.startswith(said):
        return Problem(problem.row, problem.column, problem.value, problem.rule[len(said):], problem.sheet)
    return problem


def dialog_rule(problem: Problem) -> str:
    """A problem's rule as a cell's tooltip in the dialog says it."""
    if needs_date_format(problem):
        return f"{CELL_RULE} (the data do not tell day from month)"
    return worded(problem.rule, dialog=True)
