"""Reading any table file: a CSV, or an XLSX's sheet of cases (its visible active sheet, never a hidden one).

open_table gives a TableSource that reads the file a row at a time, as often as the import needs, so that
a file of 500,000 rows is never held in memory whole; read_table reads every row at once (small files, tests).
Kept apart from storage.interchange.table_files (the cells, problems and CSV reading both readers share) and
storage.interchange.xlsx_sheets (the workbook's XML), so that neither imports the other back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from storage.interchange.table_files import (
    MAX_BYTES,
    MAX_ROWS,
    CsvSource,
    Problem,
    RawTable,
    TableSource,
    UnreadableFile,
    _fail,
    check_lines,
    check_zip,
    is_xlsx,
    too_many_rows,
)
from storage.interchange.xlsx_sheets import flat_sheet, layout_problems, percent_text, sheet_layout


def open_table(path: Path) -> TableSource:
    """The file's header and a reader of its rows (of its first sheet, or of its sheet named 'cases'), after
    the checks of its size (and of a workbook's unpacked size, or of a CSV's longest line)."""
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
        return XlsxSource(path)
    check_lines(path)
    return CsvSource(path)


def read_table(path: Path) -> RawTable:
    """Header and every row of the file at once."""
    return open_table(path).table()


def _open_book(name: str, data: bytes) -> Any:
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as exc:
        raise _fail(f"{name} is not a readable Excel workbook (.xlsx): {exc}") from None


@contextmanager
def _workbook_errors(name: str) -> Iterator[None]:
    """An error from a damaged part of the workbook, as a problem naming the file."""
    try:
        yield
    except UnreadableFile:
        raise
    except Exception as exc:
        raise _fail(f"{name} cannot be read as an Excel workbook: {exc}") from None


def _is_blank_row(values: list[Any]) -> bool:
    return all(v in (None, "") for v in values)


class XlsxSource(TableSource):
    """An XLSX's sheet of cases, streamed by openpyxl's read-only reader on each pass. Cells come out as
    openpyxl gives them, a time of day as its ISO text, a percent-formatted number as "85%"; a formula is
    reported, never evaluated."""

    def __init__(self, path: Path):
        self._name = path.name
        try:  # one copy of the workbook's bytes, read by every pass: a file saved again meanwhile is not mixed in
            data = path.read_bytes()
        except OSError as exc:
            raise _fail(f"cannot read {path.name}: {exc.strerror or exc}") from exc
        if len(data) > MAX_BYTES:
            raise _fail(f"{path.name} is larger than {MAX_BYTES // 1_000_000} MB; split it")
        check_zip(path, io.BytesIO(data))
        self._data, self._sha = data, hashlib.sha256(data).hexdigest()
        formulas: list[Any] = []
        self._blank = 0  # empty rows above the header
        with _workbook_errors(path.name):
            chosen = flat_sheet(io.BytesIO(data))
            self._chosen = chosen[0] if chosen else None
            book = _open_book(path.name, data)
            try:
                sheet = self._sheet(book)
                self._where = f"{path.name} (sheet {sheet.title})"
                found = None
                for cells in sheet.iter_rows():
                    values = [self._value(cell, 0, c, formulas, set()) for c, cell in enumerate(cells)]
                    if not _is_blank_row(values):
                        found = values
                        break
                    formulas.clear()  # (a formula above the header: its cell holds no value, the row is blank)
                    self._blank += 1
                    if self._blank > MAX_ROWS:
                        raise too_many_rows(self._where, self._blank)
                title = sheet.title
            finally:
                book.close()
        if found is None:
            raise _fail(f"{path.name} has no header row (the sheet {title} is empty)")
        header = [str(v).strip() if v is not None else "" for v in found]
        super().__init__(path, header, first_line=self._blank + 2)
        for c, formula in formulas:
            column = header[c] if c < len(header) and header[c] else f"#{c + 1}"
            self.problems.append(Problem(None, column, formula, "the header cell holds a formula"))
        if chosen:
            try:
                hidden, merges = sheet_layout(io.BytesIO(data), chosen[1])
            except (KeyError, ValueError, SyntaxError, OSError) as exc:
                raise _fail(f"{path.name} cannot be read as an Excel workbook: {exc}") from None
            self.problems.extend(layout_problems(title, hidden, merges, self.first_line, self.header))

    def _sheet(self, book: Any) -> Any:
        """The sheet of cases, its size counted as it is read (never taken from the <dimension> the workbook
        claims, which may be stale: openpyxl would stop at it and drop rows or columns unseen); a claim of more
        rows than the limit is refused at once."""
        sheet = book[self._chosen] if self._chosen and self._chosen in book.sheetnames else book.worksheets[0]
        claimed = getattr(sheet, "max_row", None) or 0
        if claimed > MAX_ROWS + 1:
            raise too_many_rows(f"{self._name} (sheet {sheet.title})", claimed)
        sheet.reset_dimensions()
        return sheet

    def _value(self, cell: Any, row: int, column: int, formulas: list[Any], percent: set[int]) -> Any:
        value = getattr(cell, "value", None)
        if getattr(cell, "data_type", None) == "f" or (isinstance(value, str) and value.startswith("=")):
            formulas.append((column, str(value)) if row == 0 else (row, column, str(value)))
            return None  # reported as a formula, not again as a bad value
        if isinstance(value, dt.time):
            return value.isoformat()
        if isinstance(value, int | float) and not isinstance(value, bool) \
                and "%" in (getattr(cell, "number_format", None) or ""):
            percent.add(column)
            return percent_text(value)  # 0.85 shown as 85% is 85 percent
        return value

    def _raw_rows(self, gather: bool) -> Iterator[list[Any]]:
        book = _open_book(self.path.name, self._data)
        formulas: list[tuple[int, int, str]] = []
        try:
            with _workbook_errors(self.path.name):
                for r, cells in enumerate(self._sheet(book).iter_rows()):
                    if r > MAX_ROWS:
                        raise too_many_rows(self._where, r)
                    number = r - self._blank  # the case row (0: the header)
                    if number < 1:
                        continue
                    yield [self._value(cell, number, c, formulas, self.percent_columns) for c, cell in enumerate(cells)]
                    if gather:
                        for row, c, formula in formulas:
                            column = self.header[c] if c < len(self.header) else f"#{c + 1}"
                            self.problems.append(Problem(row, column, formula, "the cell holds a formula; Casebook "
                                                         "imports values only (copy the column and paste it as "
                                                         "values)"))
                    formulas.clear()
        finally:
            book.close()

    def _digest(self) -> str:
        return self._sha
