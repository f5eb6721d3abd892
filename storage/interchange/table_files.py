"""Reading a table (CSV or XLSX) cell by cell, with every file-level problem put into words.

Nothing here knows the case record: it turns a file into a header and rows of raw cells
(str, number, date) or into a list of reasons why it cannot be read.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

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


def check_zip(path: Path, data: IO[bytes] | None = None) -> None:
    """Refuse a workbook whose parts would unpack to more than MAX_UNZIPPED bytes, or a large part packed more
    than MAX_RATIO times (a zip bomb), from the zip's directory, before anything is unpacked (`data`: the
    workbook's bytes as read, else the file at `path`)."""
    import zipfile

    try:
        with zipfile.ZipFile(data if data is not None else path) as archive:
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
    with path.open("rb") as fh:
        lines = _LineLengths(path.name)
        while chunk := fh.read(1 << 20):
            lines.feed(chunk)


class _LineLengths:
    """The longest line of bytes read a chunk at a time (a line ends at \\n or \\r); a line longer than
    CSV_FIELD_LIMIT bytes is refused as soon as it is seen."""

    def __init__(self, name: str):
        self.name, self.run = name, 0

    def feed(self, chunk: bytes) -> None:
        parts = chunk.replace(b"\r", b"\n").split(b"\n")
        self.run += len(parts[0])
        longest = self.run
        if len(parts) > 1:
            longest = max([longest, *(len(p) for p in parts[1:-1])])
            self.run = len(parts[-1])
        if max(longest, self.run) > CSV_FIELD_LIMIT:
            raise _fail(f"{self.name} has a line longer than the limit of {CSV_FIELD_LIMIT:,} bytes; "
                        "it is not a table Casebook can read (CSV)")


def pad_row(row: list[Any], width: int) -> tuple[list[Any], Any]:
    """The row padded (or cut) to the header's width, and the first non-empty cell cut off (None if none)."""
    if len(row) == width:
        return row, None
    extra = next((c for c in row[width:] if c not in (None, "")), None)
    return (row + [None] * width)[:width], extra


def _extra_cells(number: int, extra: Any) -> Problem:
    return Problem(number, None, str(extra), "has more cells than the header has columns")


def _trim_header(header: list[str]) -> list[str]:
    while header and not header[-1].strip():
        header.pop()  # spreadsheets often carry empty trailing columns
    return header


def finish(table: RawTable) -> RawTable:
    """Trailing empty header cells dropped; every row padded (or cut, with a problem) to the header's width."""
    width = len(_trim_header(table.header))
    for i, row in enumerate(table.rows):
        table.rows[i], extra = pad_row(row, width)
        if extra is not None:
            table.problems.append(_extra_cells(i + 1, extra))
    return table


class TableSource:
    """A table file read a row at a time, as often as needed, never held whole in memory: its header and
    file-level problems once opened, its rows read from the file again on each pass of rows(). The problems
    of its cells (more cells than the header has columns, formulas) and its percent-formatted columns are
    gathered on the first pass, which its reader must finish before it uses them."""

    def __init__(self, path: Path, header: list[str], first_line: int, encoding: str = "", delimiter: str = ""):
        self.path, self.first_line, self.encoding, self.delimiter = Path(path), first_line, encoding, delimiter
        self.header = _trim_header(header)
        self.problems: list[Problem] = ProblemList()
        self.percent_columns: set[int] = set()
        self.row_count: int | None = None  # known after the first pass
        self.digests: list[str] = []  # SHA-256 of the bytes each whole pass read: two passes, one file
        self._passes = 0

    def rows(self) -> Iterator[list[Any]]:
        """Every row below the header (case row 1 first), padded (or cut, with a problem) to the header's width."""
        gather = self._passes == 0
        self._passes += 1
        width, count = len(self.header), 0
        for count, raw in enumerate(self._raw_rows(gather), 1):
            row, extra = pad_row(raw, width)
            if extra is not None and gather:
                self.problems.append(_extra_cells(count, extra))
            yield row
        if gather:
            self.row_count = count
        self.digests.append(self._digest())

    def _raw_rows(self, gather: bool) -> Iterator[list[Any]]:
        raise NotImplementedError

    def _digest(self) -> str:
        """The SHA-256 of the bytes the last whole pass read."""
        raise NotImplementedError

    @property
    def read_alike(self) -> bool:
        """Whether every whole pass so far read the same bytes (a file saved again in between did not)."""
        return len(set(self.digests)) <= 1

    def table(self) -> RawTable:
        """Every row at once (for small files and tests; imports stream rows())."""
        rows = list(self.rows())
        return RawTable(self.header, rows, self.first_line, self.problems, self.encoding, self.delimiter,
                        self.percent_columns)


def _utf8_failure(name: str, data: bytes, exc: UnicodeDecodeError, lines: int = 0) -> UnreadableFile:
    """(`lines`: the line breaks before `data`, of a file read a chunk at a time)"""
    line = lines + data[: exc.start].count(b"\n") + 1
    return _fail(f"{name} is neither UTF-8 nor Windows-1252 text (byte 0x{data[exc.start]:02x} on line {line}); "
                 "save it as 'CSV UTF-8' (Excel) or UTF-8 text and import again")


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
            raise _utf8_failure(name, data, exc) from None
    return text, encoding


def _undecodable(path: Path, codec: str, skip: int) -> tuple[UnreadableFile | None, bool]:
    """Whether the file decodes as `codec` from byte `skip` on, read a chunk at a time: the failure (None if it
    decodes) and whether it holds a NUL byte."""
    decoder = codecs.getincrementaldecoder(codec)()
    lines, nul = 0, False
    with path.open("rb") as fh:
        fh.seek(skip)
        while True:
            chunk = fh.read(1 << 20)
            pending = decoder.getstate()[0]
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                return _utf8_failure(path.name, pending + chunk, exc, lines), nul
            nul = nul or b"\x00" in chunk
            if not chunk:
                return None, nul
            lines += chunk.count(b"\n")


def _csv_encoding(path: Path) -> tuple[str, str]:
    """The codec and the shown name of a CSV file's encoding, as _decode finds it, without reading it whole."""
    with path.open("rb") as fh:
        bom = fh.read(3) == b"\xef\xbb\xbf"
    failure, nul = _undecodable(path, "utf-8", 3 if bom else 0)
    codec, encoding = "utf-8-sig", "UTF-8 with BOM" if bom else "UTF-8"
    if failure is not None:
        latin, nul = _undecodable(path, "cp1252", 0)
        if latin is not None:
            raise failure
        codec, encoding = "cp1252", "Windows-1252"
    if nul:
        raise _fail(f"{path.name} contains NUL bytes; it is not a text table (CSV)")
    return codec, encoding


def _csv_records(name: str, lines: Iterator[str]) -> tuple[int, str, Iterator[list[str]]]:
    """The leading comment and blank lines skipped, the delimiter the header line shows, and the CSV records
    from the header on."""
    skipped = 0
    for line in lines:
        if line.startswith(COMMENT) or not line.strip():
            skipped += 1
            continue
        delimiter = max((",", ";", "\t"), key=line.count)
        return skipped, delimiter, csv.reader(itertools.chain([line], lines), delimiter=delimiter, strict=True)
    raise _fail(f"{name} has no header row")


@contextmanager
def _csv_errors(name: str | Path) -> Iterator[None]:
    """csv's errors as a problem naming the file; a file that no longer reads as it did when it was opened
    (`name` its path) as a file changed while it was read."""
    limit = csv.field_size_limit(CSV_FIELD_LIMIT)  # what exports must import: notes of more than 131,072 characters
    shown = Path(name).name
    try:
        yield
    except csv.Error as exc:
        raise _fail(f"{shown} is not a well-formed CSV table ({exc})") from None
    except (UnicodeDecodeError, OSError) as exc:
        if not isinstance(name, Path):
            raise
        raise changed_while_read(name) from exc
    finally:
        csv.field_size_limit(limit)


def changed_while_read(path: Path) -> UnreadableFile:
    return _fail(f"{path.name} changed while it was read; nothing was imported: import it again once it is saved")


class _GuardedBytes(io.RawIOBase):
    """A CSV file's bytes as one pass reads them: hashed, and refused past MAX_BYTES or a line longer than
    CSV_FIELD_LIMIT bytes (checked when the file was opened, and again on every pass: it may have changed)."""

    def __init__(self, fh: io.BufferedReader, name: str):
        super().__init__()
        self.fh, self.name, self.size = fh, name, 0
        self.sha = hashlib.sha256()
        self.lines = _LineLengths(name)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self.fh.readinto(buffer) or 0
        if n:
            chunk = bytes(memoryview(buffer)[:n])
            self.sha.update(chunk)
            self.size += n
            if self.size > MAX_BYTES:
                raise _fail(f"{self.name} is larger than {MAX_BYTES // 1_000_000} MB; split it")
            self.lines.feed(chunk)
        return n


class CsvSource(TableSource):
    """A CSV file (comma, semicolon or tab separated, as its header line shows) read a row at a time."""

    def __init__(self, path: Path):
        path = Path(path)
        self._codec, encoding = _csv_encoding(path)
        self._sha = ""
        with self._open(path) as fh, _csv_errors(path):
            self._skipped, delimiter, records = _csv_records(path.name, iter(fh))
            header = [h.strip() for h in next(records)]
        super().__init__(path, header, self._skipped + 2, encoding, {"\t": "tab"}.get(delimiter, delimiter))
        self._delimiter = delimiter

    @contextmanager
    def _open(self, path: Path) -> Iterator[IO[str]]:
        try:
            raw = path.open("rb")
        except OSError as exc:
            raise _fail(f"cannot read {path.name}: {exc.strerror or exc}") from None
        guarded = _GuardedBytes(raw, path.name)
        try:
            with io.TextIOWrapper(io.BufferedReader(guarded, 1 << 16), encoding=self._codec, newline="") as text:
                yield text
                self._sha = guarded.sha.hexdigest()
        finally:
            raw.close()

    def _raw_rows(self, gather: bool) -> Iterator[list[Any]]:
        with self._open(self.path) as fh, _csv_errors(self.path):
            for _ in range(self._skipped):
                fh.readline()
            records = csv.reader(fh, delimiter=self._delimiter, strict=True)
            next(records, None)  # the header
            yield from records
            fh.read()  # (to the end, so that the digest covers every byte)

    def _digest(self) -> str:
        return self._sha


def csv_table(name: str, data: bytes) -> RawTable:
    """A CSV file's bytes as a table (a CSV inside a zip or of a folder of the long format)."""
    text, encoding = _decode(name, data)
    if "\x00" in text:
        raise _fail(f"{name} contains NUL bytes; it is not a text table (CSV)")
    with _csv_errors(name):
        skipped, delimiter, records = _csv_records(name, iter(io.StringIO(text, newline="")))
        rows = list(records)
    header = [h.strip() for h in rows[0]]
    return RawTable(header, rows[1:], first_line=skipped + 2, encoding=encoding,
                    delimiter={"\t": "tab"}.get(delimiter, delimiter))
