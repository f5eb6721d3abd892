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

from storage.interchange.cell_values import DATE_TEXT as _DATE_TEXT
from storage.interchange.cell_values import ORDERS as ORDERS
from storage.interchange.cell_values import SHOWN as SHOWN
from storage.interchange.cell_values import excel_serial_date, fitting_orders, is_blank
from storage.interchange.cell_values import shown_format as shown_format


class DateOrder:
    """The order of a column's non-ISO date texts, read a cell at a time (a column is never held whole):
    feed() every cell, then .format is what date_format_of gives for them all. A text that is a date in no
    order (31.02.2010, 04.03.19, "unknown") does not decide it: its own cell is refused with its own reason."""

    def __init__(self) -> None:
        self.fitting = set(ORDERS)
        self.separators: set[str] = set()

    def feed(self, value: Any) -> None:
        if is_blank(value) or not isinstance(value, str):
            return
        text = value.strip()
        if len(text) == 10 and text[4] == "-" and text[7] == "-":
            return  # ISO, always read
        match = _DATE_TEXT.match(text)
        fits = fitting_orders(match) if match else set()
        if not fits or match is None:
            return
        self.separators.add(match[2])
        self.fitting &= fits

    @property
    def format(self) -> str | None:
        """The strptime format, if exactly one order reads every date text and one separator is used."""
        if len(self.separators) != 1 or len(self.fitting) != 1:
            return None
        (separator,), (order,) = self.separators, self.fitting
        return separator.join(ORDERS[order])


def date_format_of(values: Iterable[Any]) -> str | None:
    """The strptime format the column's non-ISO date texts must have, if only one order reads every one
    of them (four-digit years); None if there are none, or two orders fit (03.04.2019: March or April?)."""
    order = DateOrder()
    for value in values:
        order.feed(value)
    return order.format


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
