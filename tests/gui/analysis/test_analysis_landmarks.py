"""Landmark times in the Analysis tab's box: read, refused with the rule, converted between units."""

from __future__ import annotations

import pytest

from analysis.statistics.tables import Table
from gui.analysis.worker import convert_landmarks, parse_landmarks, unit_columns


def test_parse_reads_numbers_separated_by_commas() -> None:
    assert parse_landmarks("12, 36") == ((12.0, 36.0), "")
    assert parse_landmarks("12; 36,") == ((12.0, 36.0), "")  # a trailing comma while typing is not an error
    assert parse_landmarks("") == ((), "")


@pytest.mark.parametrize("text", ["1 3", "abc", "12, -3", "12, nan"])
def test_parse_names_what_it_could_not_read_and_the_rule(text: str) -> None:
    times, message = parse_landmarks(text, "months")
    assert "numbers separated by commas, e.g. 12, 36" in message
    assert "Not read:" in message and text.split(", ")[-1] in message
    assert times == ((12.0,) if text.startswith("12,") else ())


def test_the_example_follows_the_unit() -> None:
    assert "e.g. 1, 3" in parse_landmarks("x", "years")[1]


@pytest.mark.parametrize(("text", "old", "new", "expected"), [
    ("12, 36", "months", "years", "1, 3"),
    ("1, 3", "years", "months", "12, 36"),
    ("12, 36", "months", "days", "365, 1096"),
    ("365, 1096", "days", "months", "12, 36"),
    ("12, 36", "months", "weeks", "52.2, 156.5"),
    ("52.2, 156.5", "weeks", "months", "12, 36"),
    ("1096", "days", "years", "3"),
    ("6, 1.5", "months", "years", "0.5, 0.12"),
    ("12, abc", "months", "years", "1, abc"),  # what cannot be read stays as typed
    ("12, 36", "months", "months", "12, 36"),
])
def test_convert_keeps_the_times(text: str, old: str, new: str, expected: str) -> None:
    assert convert_landmarks(text, old, new) == expected


def test_landmark_columns_name_the_unit() -> None:
    table = Table("t", ("Group", "S(12) (95% CI); at risk", "S(1) (95% CI)", "S(36 months) (95% CI)"), ())
    assert unit_columns(table, "months").columns == (
        "Group", "S(12 months) (95% CI); at risk", "S(1 month) (95% CI)", "S(36 months) (95% CI)")
    assert unit_columns(table, "years").columns[2] == "S(1 year) (95% CI)"


def test_a_long_unreadable_text_is_shortened_in_the_message() -> None:
    _, message = parse_landmarks("twelve months, thirty-six, a, b", "months")
    assert message.startswith("Not read: 'twelve mont…', 'thirty-six', …")
