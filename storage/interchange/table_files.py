"""Reading a table (CSV or XLSX) cell by cell, with every file-level problem put into words.

Nothing here knows the case record: it turns a file into a header and rows of raw cells
(str, number, date) or into a list of reasons why it cannot be read.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_BYTES = 200_000_000
COMMENT = "#"  # leading CSV lines starting with this (the template's notes) are skipped


@dataclass(frozen=True)
class Problem:
    row: int | None  # 1 = the first case row below the header; None: the file or a column
    column: str | None
    value: str | None
    rule: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        if self.value is not None:
            shown = self.value if len(self.value) <= 60 else self.value[:57] + "..."
            where.append(f"value {shown!r}")
        return f"{', '.join(where)}: {self.rule}" if where else self.rule


@dataclass
class RawTable:
    header: list[str]
    rows: list[list[Any]]  # rows[i] is case row i + 1, padded to the header's width
    first_line: int = 2  # the file line / spreadsheet row of case row 1
    problems: list[Problem] = field(default_factory=list)


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
    while table.header and not table.header[-1].strip():
        table.header.pop()  # spreadsheets often carry empty trailing columns
    width = len(table.header)
    for i, row in enumerate(table.rows):
        extra = [c for c in row[width:] if c not in (None, "")]
        if extra:
            table.problems.append(Problem(i + 1, None, str(extra[0]), "has more cells than the header has columns"))
        table.rows[i] = (row + [None] * width)[:width]
    return table


def _read_csv(path: Path) -> RawTable:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _fail(
            f"{path.name} is not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line}); save it as "
            "'CSV UTF-8' (Excel) or UTF-8 text and import again"
        ) from None
    if "\x00" in text:
        raise _fail(f"{path.name} contains NUL bytes; it is not a text table (CSV)")
    lines = text.splitlines(keepends=True)
    skipped = 0
    while skipped < len(lines) and (lines[skipped].startswith(COMMENT) or not lines[skipped].strip()):
        skipped += 1
    body = "".join(lines[skipped:])
    if not body.strip():
        raise _fail(f"{path.name} has no header row")
    first = lines[skipped]
    delimiter = max((",", ";", "\t"), key=first.count)
    try:
        rows = list(csv.reader(io.StringIO(body, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        raise _fail(f"{path.name} is not a well-formed CSV table ({exc})") from None
    header = [h.strip() for h in rows[0]]
    return RawTable(header, [list(r) for r in rows[1:]], first_line=skipped + 2)


def _read_xlsx(path: Path) -> RawTable:
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as exc:
        raise _fail(f"{path.name} is not a readable Excel workbook (.xlsx): {exc}") from None
    try:
        sheet = book["cases"] if "cases" in book.sheetnames else book.worksheets[0]
        rows: list[list[Any]] = []
        formulas: list[tuple[int, int, str]] = []
        for r, cells in enumerate(sheet.iter_rows()):
            values = []
            for c, cell in enumerate(cells):
                value = getattr(cell, "value", None)
                if getattr(cell, "data_type", None) == "f" or (isinstance(value, str) and value.startswith("=")):
                    formulas.append((r, c, str(value)))
                    value = None  # reported below as a formula, not again as a bad value
                if isinstance(value, dt.time):
                    value = value.isoformat()
                values.append(value)
            rows.append(values)
    except Exception as exc:  # a damaged part of the workbook
        raise _fail(f"{path.name} cannot be read as an Excel workbook: {exc}") from None
    finally:
        book.close()
    blank = 0
    while rows and all(v in (None, "") for v in rows[0]):
        rows.pop(0)
        blank += 1
    if not rows:
        raise _fail(f"{path.name} has no header row (the sheet is empty)")
    header = [str(v).strip() if v is not None else "" for v in rows[0]]
    table = RawTable(header, rows[1:], first_line=blank + 2)
    for r, c, formula in ((r - blank, c, f) for r, c, f in formulas):
        name = header[c] if c < len(header) else f"#{c + 1}"
        if r == 0:
            table.problems.append(Problem(None, name, formula, "the header cell holds a formula"))
        else:
            table.problems.append(Problem(r, name, formula, "the cell holds a formula; Casebook imports "
                                          "values only (copy the column and paste it as values)"))
    return table
