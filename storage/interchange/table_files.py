"""Reading a table (CSV or XLSX) cell by cell, with every file-level problem put into words.

Nothing here knows the case record: it turns a file into a header and rows of raw cells
(str, number, date) or into a list of reasons why it cannot be read.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_BYTES = 200_000_000
COMMENT = "#"  # leading CSV lines starting with this (the template's notes) are skipped


# Words that differ between the front ends: storage writes [[key]], each front end shows its own control.
FRONT_WORDS = {
    "date-format": ("--date-format, e.g. %d.%m.%Y", "choose the date format above"),
    "add-fields": ("--add-fields", "choose 'add as a custom field' for it in the column mapping above"),
    "mapping": ("in the mapping file, or with --mapping", "in the column mapping above"),
    "value-mapping": ("in the mapping's \"values\" (--mapping)", "in the value mapping above"),
}
_WORD = re.compile(r"\[\[([a-z-]+)\]\]")


def worded(text: str, dialog: bool = False) -> str:
    """A message with the command line's words (the default) or the import dialog's."""
    return _WORD.sub(lambda m: FRONT_WORDS[m[1]][1 if dialog else 0], text)


@dataclass(frozen=True)
class Problem:
    row: int | None  # 1 = the first case row below the header; None: the file or a column
    column: str | None
    value: str | None
    rule: str
    sheet: str | None = None  # the sheet (or CSV file) of a workbook with several

    def __str__(self) -> str:
        return self.text()

    def text(self, dialog: bool = False) -> str:
        where = [f"sheet {self.sheet}"] if self.sheet else []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        if self.value is not None:
            shown = self.value if len(self.value) <= 60 else self.value[:57] + "..."
            where.append(f"value {shown!r}")
        rule = worded(self.rule, dialog)
        return f"{', '.join(where)}: {rule}" if where else rule


@dataclass
class RawTable:
    header: list[str]
    rows: list[list[Any]]  # rows[i] is case row i + 1, padded to the header's width
    first_line: int = 2  # the file line / spreadsheet row of case row 1
    problems: list[Problem] = field(default_factory=list)
    encoding: str = ""  # of a CSV: "UTF-8", "UTF-8 with BOM" or "Windows-1252"
    delimiter: str = ""  # of a CSV
    percent_columns: set[int] = field(default_factory=set)  # XLSX columns with percent-formatted numbers


class UnreadableFile(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


def _fail(rule: str) -> UnreadableFile:
    return UnreadableFile([Problem(None, None, None, rule)])


def is_xlsx(path: Path, head: bytes) -> bool:
    return path.suffix.lower() in (".xlsx", ".xlsm") or head.startswith(b"PK\x03\x04")


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
    table = _read_xlsx(path) if is_xlsx(path, head) else _read_csv(path)
    return finish(table)


def finish(table: RawTable) -> RawTable:
    """Trailing empty header cells dropped; every row padded (or cut, with a problem) to the header's width."""
    while table.header and not table.header[-1].strip():
        table.header.pop()  # spreadsheets often carry empty trailing columns
    width = len(table.header)
    for i, row in enumerate(table.rows):
        extra = [c for c in row[width:] if c not in (None, "")]
        if extra:
            table.problems.append(Problem(i + 1, None, str(extra[0]), "has more cells than the header has columns"))
        table.rows[i] = (row + [None] * width)[:width]
    return table


def _decode(name: str, data: bytes) -> tuple[str, str]:
    """The text of a CSV and its encoding: UTF-8 (with or without BOM), else Windows-1252 (German Excel's 'CSV')."""
    try:
        text = data.decode("utf-8-sig")
        encoding = "UTF-8 with BOM" if data.startswith(b"\xef\xbb\xbf") else "UTF-8"
    except UnicodeDecodeError as exc:
        try:
            text = data.decode("cp1252")
            encoding = "Windows-1252"
        except UnicodeDecodeError:
            line = data[: exc.start].count(b"\n") + 1
            raise _fail(
                f"{name} is neither UTF-8 nor Windows-1252 text (byte 0x{data[exc.start]:02x} on line {line}); "
                "save it as 'CSV UTF-8' (Excel) or UTF-8 text and import again"
            ) from None
    return text, encoding


def _read_csv(path: Path) -> RawTable:
    return csv_table(path.name, path.read_bytes())


def csv_table(name: str, data: bytes) -> RawTable:
    """A CSV file's bytes as a table: comma, semicolon or tab separated, as its header line shows."""
    text, encoding = _decode(name, data)
    if "\x00" in text:
        raise _fail(f"{name} contains NUL bytes; it is not a text table (CSV)")
    lines = text.splitlines(keepends=True)
    skipped = 0
    while skipped < len(lines) and (lines[skipped].startswith(COMMENT) or not lines[skipped].strip()):
        skipped += 1
    body = "".join(lines[skipped:])
    if not body.strip():
        raise _fail(f"{name} has no header row")
    first = lines[skipped]
    delimiter = max((",", ";", "\t"), key=first.count)
    try:
        rows = list(csv.reader(io.StringIO(body, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        raise _fail(f"{name} is not a well-formed CSV table ({exc})") from None
    header = [h.strip() for h in rows[0]]
    return RawTable(header, [list(r) for r in rows[1:]], first_line=skipped + 2, encoding=encoding,
                    delimiter={"\t": "tab"}.get(delimiter, delimiter))


def _open_book(path: Path) -> Any:
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        return load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as exc:
        raise _fail(f"{path.name} is not a readable Excel workbook (.xlsx): {exc}") from None


def _read_xlsx(path: Path) -> RawTable:
    book = _open_book(path)
    try:
        sheet = book["cases"] if "cases" in book.sheetnames else book.worksheets[0]
        return sheet_table(path.name, sheet)
    finally:
        book.close()


def read_sheets(path: Path) -> dict[str, RawTable]:
    """Every sheet of a workbook by name, each read as read_table reads one."""
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
        for r, cells in enumerate(sheet.iter_rows()):
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
