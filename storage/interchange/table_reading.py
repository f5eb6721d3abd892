"""Reading any table file: a CSV, or an XLSX's sheet of cases (its visible active sheet, never a hidden one).

Kept apart from storage.interchange.table_files (the cells, problems and CSV reading both readers share) and
storage.interchange.xlsx_sheets (the workbook's XML), so that neither imports the other back.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from storage.interchange.table_files import (
    MAX_BYTES,
    MAX_ROWS,
    Problem,
    RawTable,
    UnreadableFile,
    _fail,
    _read_csv,
    check_lines,
    check_zip,
    finish,
    is_xlsx,
    too_many_rows,
)
from storage.interchange.xlsx_sheets import flat_sheet, layout_problems, sheet_layout


def read_table(path: Path) -> RawTable:
    """Header and rows of the file's first sheet (or of its sheet named 'cases')."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise _fail(f"cannot read {path.name}: {exc.strerror or exc}") from exc
    if size == 0:
        raise _fail(f"{path.name} is empty")
    if size > MAX_BYTES:
        raise _fail(f"{path.name} is larger than {MAX_BYTES // 1_000_000} MB; split it")
    if is_xlsx(path, head):
        check_zip(path)
        table = _read_xlsx(path)
    else:
        check_lines(path)
        table = _read_csv(path)
    return finish(table)


def _open_book(path: Path) -> Any:
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        return load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as exc:
        raise _fail(f"{path.name} is not a readable Excel workbook (.xlsx): {exc}") from None


def _read_xlsx(path: Path) -> RawTable:
    chosen = flat_sheet(path)
    book = _open_book(path)
    try:
        sheet = book[chosen[0]] if chosen and chosen[0] in book.sheetnames else book.worksheets[0]
        table = sheet_table(path.name, sheet)
    finally:
        book.close()
    if chosen:
        try:
            hidden, merges = sheet_layout(path, chosen[1])
        except (KeyError, ValueError, SyntaxError, OSError) as exc:
            raise _fail(f"{path.name} cannot be read as an Excel workbook: {exc}") from None
        table.problems.extend(layout_problems(sheet.title, hidden, merges, table.first_line, table.header))
    return table


def read_sheets(path: Path) -> dict[str, RawTable]:
    """Every sheet of a workbook by name, each read as read_table reads one."""
    check_zip(path)
    book = _open_book(path)
    try:
        return {name: finish(sheet_table(path.name, book[name])) for name in book.sheetnames}
    finally:
        book.close()


def _percent_text(value: float) -> str:
    hundred = round(value * 100, 9)
    return f"{int(hundred) if hundred.is_integer() else hundred}%"


def sheet_table(name: str, sheet: Any) -> RawTable:
    rows: list[list[Any]] = []
    formulas: list[tuple[int, int, str]] = []
    percent: set[int] = set()
    try:
        if (getattr(sheet, "max_row", None) or 0) > MAX_ROWS + 1:
            raise too_many_rows(f"{name} (sheet {sheet.title})", sheet.max_row)
        for r, cells in enumerate(sheet.iter_rows()):
            if r > MAX_ROWS:
                raise too_many_rows(f"{name} (sheet {sheet.title})", r)
            values = []
            for c, cell in enumerate(cells):
                value = getattr(cell, "value", None)
                if getattr(cell, "data_type", None) == "f" or (isinstance(value, str) and value.startswith("=")):
                    formulas.append((r, c, str(value)))
                    value = None  # reported below as a formula, not again as a bad value
                elif isinstance(value, dt.time):
                    value = value.isoformat()
                elif isinstance(value, int | float) and not isinstance(value, bool) \
                        and "%" in (getattr(cell, "number_format", None) or ""):
                    value = _percent_text(value)  # 0.85 shown as 85% is 85 percent
                    percent.add(c)
                values.append(value)
            rows.append(values)
    except UnreadableFile:
        raise
    except Exception as exc:  # a damaged part of the workbook
        raise _fail(f"{name} cannot be read as an Excel workbook: {exc}") from None
    blank = 0
    while rows and all(v in (None, "") for v in rows[0]):
        rows.pop(0)
        blank += 1
    if not rows:
        raise _fail(f"{name} has no header row (the sheet {sheet.title} is empty)")
    header = [str(v).strip() if v is not None else "" for v in rows[0]]
    table = RawTable(header, rows[1:], first_line=blank + 2, percent_columns=percent)
    for r, c, formula in ((r - blank, c, f) for r, c, f in formulas):
        column = header[c] if c < len(header) else f"#{c + 1}"
        if r == 0:
            table.problems.append(Problem(None, column, formula, "the header cell holds a formula"))
        else:
            table.problems.append(Problem(r, column, formula, "the cell holds a formula; Casebook imports "
                                          "values only (copy the column and paste it as values)"))
    return table
