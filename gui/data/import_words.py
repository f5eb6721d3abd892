"""The import dialog's words for what it is doing and what it found: progress in the same three phases
whichever step reports it (Reading the file, Checking rows, Writing cases), counts with thousands separators,
problems with their dates as View ▸ Dates shown as says.

The storage layer reports progress as (done, total, what) with its own short keys; total 0 means that the
rows of a file are still being read and their number is not known yet.
"""

from __future__ import annotations

from gui.widgets.date_display import show_dates_in

PHASES = {
    "reading rows": "Reading the file",
    "reading rows again": "Reading the file again",  # the check's first pass, after the mapping's reading
    "checking rows": "Checking rows",
    "checking cases": "Checking cases",  # the long format: a case is checked with all its tables
    "writing": "Writing cases",
}
LAST_STEP = ("checked", "done")  # the end of the phase before: said in that phase's words


def progress_words(done: int, total: int, phase: str) -> str:
    """'Checking rows: 1,000 of 20,000'; with no total yet 'Reading the file… 5,000 rows'."""
    words = PHASES.get(phase, phase[:1].upper() + phase[1:])
    if total <= 0:
        return f"{words}… {counted(done, 'row')}" if done else f"{words}…"
    return f"{words}: {done:,} of {total:,}"


def counted(number: int, noun: str) -> str:
    """'1 row', '5,000 rows' (a noun with a regular plural)."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def problem_line(text: str) -> str:
    """A problem as the dialog lists it or a cell's tooltip says it: its dates in the chosen form."""
    return show_dates_in(text)
