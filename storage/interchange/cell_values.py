"""Cell values as the flat template and the long format write them, and as people type them.

Text made inert for spreadsheets (and back), numbers in English or German notation, ISO dates, real
spreadsheet dates and Excel serial day numbers, yes/no in English or German, codes or their labels.
Each reader raises ValueError with the rest of a sentence ("is not a number") for the caller to
put after the value.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

LIST_SEPARATOR = " | "  # findings such as "t(4;11)" contain semicolons and commas
YES = frozenset({"yes", "y", "true", "1", "ja"})
NO = frozenset({"no", "n", "false", "0", "nein"})
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Make a text cell that a spreadsheet would run as a formula inert, reversibly."""
    return "'" + text if text.lstrip("'").startswith(FORMULA_START) else text


def unneutralise(text: str) -> str:
    return text[1:] if text.startswith("'") and text.lstrip("'").startswith(FORMULA_START) else text


def number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(float(value))


def cell_text(value: Any) -> str:
    """A value as the flat template writes it in a CSV cell (before neutralising)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return LIST_SEPARATOR.join(cell_text(v) for v in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return number_text(value)
    return str(value)


EARLIEST = dt.date(1900, 1, 1)  # an earlier date is a typing slip (or a format without a year)


def parse_date(value: Any, date_format: str | None) -> dt.date:
    """ISO dates and real spreadsheet dates always; any other format only as stated by the user."""
    date = read_date(value, date_format)
    if date < EARLIEST:
        raise ValueError(f"is before {EARLIEST.isoformat()}, not a plausible date")
    return date


EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01 (Excel's phantom 1900-02-29 included)
SERIAL_RANGE = (18264, 73050)  # 1950-01-01 .. 2099-12-31: a plain number outside it is no serial date


def excel_serial_date(value: float) -> dt.date | None:
    """The date of an Excel serial day number (as a CSV of an Excel sheet writes it), or None."""
    if not float(value).is_integer() or not SERIAL_RANGE[0] <= value <= SERIAL_RANGE[1]:
        return None
    return EXCEL_EPOCH + dt.timedelta(days=int(value))


def read_date(value: Any, date_format: str | None) -> dt.date:  # without the plausibility check
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0, 0):
            raise ValueError("is a date with a time of day; enter the date only")
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        serial = excel_serial_date(value)
        if serial is None:
            raise ValueError("is a number, not a date (format the cell as a date, or write YYYY-MM-DD)")
        return serial
    text = str(value).strip()
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError("is not a valid date (YYYY-MM-DD)") from None
    if text.isdigit() and len(text) == 5:
        serial = excel_serial_date(int(text))
        if serial is not None:
            return serial
    if date_format:
        try:
            return dt.datetime.strptime(text, date_format).date()
        except ValueError:
            raise ValueError(_no_date(text) or f"is not a date in the form {shown_format(date_format)} or "
                             "yyyy-mm-dd") from None
    raise ValueError(_no_date(text) or "is not a date in the form YYYY-MM-DD; for another format state it "
                     "([[date-format]]), since 03/04/2019 could be March or April")


DATE_TEXT = re.compile(r"^(\d{1,4})([./-])(\d{1,2})\2(\d{1,4})$")
ORDERS = {"dmy": ("%d", "%m", "%Y"), "mdy": ("%m", "%d", "%Y"), "ymd": ("%Y", "%m", "%d"), "ydm": ("%Y", "%d", "%m")}
SHOWN = {"%d.%m.%Y": "dd.mm.yyyy", "%m/%d/%Y": "mm/dd/yyyy", "%d/%m/%Y": "dd/mm/yyyy", "%Y/%m/%d": "yyyy/mm/dd"}


def shown_format(fmt: str) -> str:
    return SHOWN.get(fmt, fmt.replace("%d", "dd").replace("%m", "mm").replace("%Y", "yyyy").replace("%y", "yy"))


def _fits(parts: tuple[str, str, str], order: str) -> bool:
    codes = ORDERS[order]
    day = int(parts[codes.index("%d")])
    month = int(parts[codes.index("%m")])
    year = parts[codes.index("%Y")]
    if len(year) != 4 or any(len(p) > 2 for i, p in enumerate(parts) if codes[i] != "%Y"):
        return False
    try:
        dt.date(int(year), month, day)
    except ValueError:
        return False
    return True


def fitting_orders(match: re.Match[str]) -> set[str]:
    """The orders (dmy, mdy, ymd, ydm) in which a date text (DATE_TEXT's match) is a day of the calendar."""
    parts = (match[1], match[3], match[4])
    return {order for order in ORDERS if _fits(parts, order)}


def _no_date(text: str) -> str | None:
    """Why a text written like a date is none in any order, or None (it is one, or not written like one)."""
    match = DATE_TEXT.match(text)
    if not match or fitting_orders(match):
        return None
    if all(len(p) <= 2 for p in (match[1], match[3], match[4])):
        return "has a two-digit year: write the year with four digits (e.g. 04.03.2019)"
    return "is no day of the calendar in any order of day, month and year (e.g. 31.02.2010)"


_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_GERMAN_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+,\d+$")


def number_from_text(text: str) -> float:
    """A number as typed in an English or a German sheet: 19.5, 19,5 or 1.234,5; ValueError if not."""
    text = text.strip().replace("\u00a0", "").replace(" ", "")
    if _DECIMAL_COMMA.match(text):
        text = text.replace(",", ".")
    elif _GERMAN_THOUSANDS.match(text):
        text = text.replace(".", "").replace(",", ".")
    return float(text)


def parse_number(value: Any, percent: bool = False) -> float:
    if isinstance(value, bool):
        raise ValueError("is not a number")
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip()
    if percent and text.endswith("%"):  # "85%", or a percent-formatted cell as table_files reads it
        text = text[:-1]
    try:
        number = number_from_text(text)
    except ValueError:
        raise ValueError("is not a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError("is not a finite number")
    return number


def parse_int(value: Any) -> int:
    number = parse_number(value)
    if not number.is_integer():
        raise ValueError("is not a whole number")
    return int(number)


def parse_code(value: Any, allowed: Mapping[str, str]) -> str:
    text = str(value).strip()
    for code, label in allowed.items():
        if text.lower() in (code.lower(), label.lower()):
            return code
    raise ValueError(f"is not one of {', '.join(allowed)}")


def parse_yesno(value: Any) -> bool:
    text = str(value).strip().lower()
    if isinstance(value, bool):
        return value
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueError("is not yes or no")


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
