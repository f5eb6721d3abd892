"""Reading a table (CSV or XLSX) cell by cell, with every file-level problem put into words.

Nothing here knows the case record: it turns a file into a header and rows of raw cells
(str, number, date) or into a list of reasons why it cannot be read.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_BYTES = 200_000_000
MAX_UNZIPPED = 200_000_000  # an XLSX's parts, uncompressed, in all and each
MAX_RATIO = 100  # compression ratio refused for a part of over RATIO_CHECKED bytes (a zip bomb)
RATIO_CHECKED = 10_000_000
MAX_ROWS = 1_000_000  # rows of a sheet
CSV_FIELD_LIMIT = 16_000_000  # characters of a CSV field, and bytes of a CSV line (checked before reading)
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


SHOWN_PROBLEMS = 300  # problems kept and reported; the rest are counted ("and N more problems")


class ProblemList(list):  # type: ignore[type-arg]
    """A list of problems that keeps the first SHOWN_PROBLEMS and only counts the rest, so that a file with
    millions of bad rows neither fills memory nor prints millions of lines."""

    def __init__(self, items: Any = (), limit: int = SHOWN_PROBLEMS) -> None:
        super().__init__()
        self.limit, self.more = limit, 0
        self.extend(items)

    def append(self, item: Any) -> None:
        if len(self) < self.limit:
            super().append(item)
        else:
            self.more += 1

    def extend(self, items: Any) -> None:
        for item in items:
            self.append(item)
        if isinstance(items, ProblemList):
            self.more += items.more

    def __iadd__(self, items: Any) -> ProblemList:  # type: ignore[misc]
        self.extend(items)
        return self

    @property
    def total(self) -> int:
        return len(self) + self.more

    def more_line(self) -> str | None:
        """'and N more problems' when some were only counted."""
        return f"and {self.more:,} more problem{'s' if self.more != 1 else ''}" if self.more else None


def problem_total(problems: list[Problem]) -> int:
    return problems.total if isinstance(problems, ProblemList) else len(problems)


def more_problems(problems: list[Problem]) -> str | None:
    return problems.more_line() if isinstance(problems, ProblemList) else None


@dataclass
class RawTable:
    header: list[str]
    rows: list[list[Any]]  # rows[i] is case row i + 1, padded to the header's width
    first_line: int = 2  # the file line / spreadsheet row of case row 1
    problems: list[Problem] = field(default_factory=ProblemList)
    encoding: str = ""  # of a CSV: "UTF-8", "UTF-8 with BOM" or "Windows-1252"
    delimiter: str = ""  # of a CSV
    percent_columns: set[int] = field(default_factory=set)  # XLSX columns with percent-formatted numbers


class UnreadableFile(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = ProblemList(problems)
        super().__init__("; ".join(str(p) for p in problems))


def _fail(rule: str) -> UnreadableFile:
    return UnreadableFile([Problem(None, None, None, rule)])


def is_xlsx(path: Path, head: bytes) -> bool:
    return path.suffix.lower() in (".xlsx", ".xlsm") or head.startswith(b"PK\x03\x04")


def check_zip(path: Path) -> None:
    """Refuse a workbook whose parts would unpack to more than MAX_UNZIPPED bytes, or a large part packed more
    than MAX_RATIO times (a zip bomb), from the zip's directory, before anything is unpacked."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _fail(f"{path.name} is not a readable Excel workbook (.xlsx): {exc}") from None
    limit = f"{MAX_UNZIPPED // 1_000_000} MB"
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > MAX_UNZIPPED:
            raise _fail(f"{path.name}: the part {info.filename} unpacks to {info.file_size:,} bytes, more than "
                        f"the limit of {limit}; split the workbook")
        if info.file_size > RATIO_CHECKED and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise _fail(f"{path.name}: the part {info.filename} is packed more than {MAX_RATIO} times "
                        f"({info.compress_size:,} bytes unpack to {info.file_size:,}); it is refused as a "
                        "possible zip bomb")
    if total > MAX_UNZIPPED:
        raise _fail(f"{path.name} unpacks to {total:,} bytes, more than the limit of {limit}; split the workbook")


def too_many_rows(name: str, rows: int) -> UnreadableFile:
    return _fail(f"{name} has {rows:,} rows or more, more than the limit of {MAX_ROWS:,} rows; split it")


def check_lines(path: Path) -> None:
    """Refuse a CSV with a line longer than CSV_FIELD_LIMIT bytes, reading it a chunk at a time."""
    longest = run = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            parts = chunk.split(b"\n")
            run += len(parts[0])
            if len(parts) > 1:
                longest = max(longest, run, *(len(p) for p in parts[1:-1]))
                run = len(parts[-1])
            if max(longest, run) > CSV_FIELD_LIMIT:
                raise _fail(f"{path.name} has a line longer than the limit of {CSV_FIELD_LIMIT:,} bytes; "
                            "it is not a table Casebook can read (CSV)")


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
    limit = csv.field_size_limit(CSV_FIELD_LIMIT)  # what exports must import: notes of more than 131,072 characters
    try:
        rows = list(csv.reader(io.StringIO(body, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        raise _fail(f"{name} is not a well-formed CSV table ({exc})") from None
    finally:
        csv.field_size_limit(limit)
    header = [h.strip() for h in rows[0]]
    return RawTable(header, [list(r) for r in rows[1:]], first_line=skipped + 2, encoding=encoding,
                    delimiter={"\t": "tab"}.get(delimiter, delimiter))
