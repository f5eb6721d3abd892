"""What a column's cells show about how the sheet was written: the order of its dates, decimal
commas, percent cells, Excel serial day numbers. Shown in the import preview; a date order is
used only where the data fix it (e.g. a day above 12 in the first position of some row, and every
row readable the same way), never guessed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from storage.interchange.case_template import excel_serial_date, is_blank

_DATE_TEXT = re.compile(r"^(\d{1,4})([./-])(\d{1,2})\2(\d{1,4})$")
ORDERS = {"dmy": ("%d", "%m", "%Y"), "mdy": ("%m", "%d", "%Y"), "ymd": ("%Y", "%m", "%d"), "ydm": ("%Y", "%d", "%m")}
SHOWN = {"%d.%m.%Y": "dd.mm.yyyy", "%m/%d/%Y": "mm/dd/yyyy", "%d/%m/%Y": "dd/mm/yyyy", "%Y/%m/%d": "yyyy/mm/dd"}


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


def date_format_of(values: Iterable[Any]) -> str | None:
    """The strptime format the column's non-ISO date texts must have, if only one order reads every one
    of them (four-digit years); None if there are none, or two orders fit (03.04.2019: March or April?)."""
    found: list[tuple[tuple[str, str, str], str]] = []
    for value in values:
        if is_blank(value) or not isinstance(value, str):
            continue
        text = value.strip()
        if len(text) == 10 and text[4] == "-" and text[7] == "-":
            continue  # ISO, always read
        match = _DATE_TEXT.match(text)
        if not match:
            return None
        found.append(((match[1], match[3], match[4]), match[2]))
    if not found or len({sep for _parts, sep in found}) != 1:
        return None
    fitting = [order for order in ORDERS if all(_fits(parts, order) for parts, _sep in found)]
    if len(fitting) != 1:
        return None
    separator = found[0][1]
    return separator.join(ORDERS[fitting[0]])


def shown_format(fmt: str) -> str:
    return SHOWN.get(fmt, fmt.replace("%d", "dd").replace("%m", "mm").replace("%Y", "yyyy"))


def column_notes(values: list[Any], kind: str, percent_cells: bool = False) -> list[str]:
    """Short notes for the preview's column header: what the cells show about the sheet's conventions."""
    present = [v for v in values if not is_blank(v)]
    notes: list[str] = []
    if not present:
        return notes
    if kind in ("date", "datelist"):
        if any(isinstance(v, dt.date) for v in present):
            notes.append("date cells")
        serials = [v for v in present if (isinstance(v, int | float) and not isinstance(v, bool))
                   or (isinstance(v, str) and v.strip().isdigit() and len(v.strip()) == 5)]
        if serials and all(excel_serial_date(float(v)) for v in serials):
            notes.append("Excel serial day numbers")
        fmt = date_format_of(present)
        if fmt:
            notes.append(f"dates {shown_format(fmt)} (the data fix the order)")
        elif any(isinstance(v, str) and _DATE_TEXT.match(v.strip()) and not re.match(r"^\d{4}-\d\d-\d\d$", v.strip())
                 for v in present):
            notes.append("dates in an order the data do not fix: choose the date format")
    if kind in ("float", "percent", "int", "dose") and any(isinstance(v, str) and re.search(r"\d,\d", v)
                                                           for v in present):
        notes.append("decimal commas")
    if kind == "percent" and (percent_cells or any(isinstance(v, str) and v.strip().endswith("%") for v in present)):
        notes.append("percent cells")
    return notes
