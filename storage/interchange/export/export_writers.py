"""Writing tables to CSV, XLSX, SPSS (.sav) and Stata (.dta); and the empty import template.

Text cells that a spreadsheet would run as a formula (starting with = + - @) get a leading
apostrophe (storage.interchange.case_template.neutralise), which the import removes again. Files are
written beside the target and then moved into place, so a failed export leaves no half file.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import shutil
import tempfile
import textwrap
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from storage.interchange import case_template as tpl
from storage.record import codes

Table = tuple[list[str], list[list[Any]]]

CODED: dict[str, Mapping[str, str]] = {
    "sex": codes.SEX, "diagnosis": codes.DIAGNOSIS, "disease_status": codes.DISEASE_STATUS,
    "best_response_override": codes.RESPONSE, "best_response": codes.RESPONSE, "response": codes.RESPONSE,
    "last_follow_up_status": codes.FOLLOW_UP_STATUS, "donor_type": codes.DONOR, "specimen": codes.SPECIMEN,
    "mrd_method": codes.MRD_METHOD, "unit": codes.DOSE_UNIT, "route": codes.ROUTE, "term": codes.COMPLICATION,
    "site": codes.RELAPSE_SITE, "cause": codes.DEATH_CAUSE, "death_cause": codes.DEATH_CAUSE,
    "relapse_site": codes.RELAPSE_SITE, "kind": codes.CUSTOM_FIELD_KIND,
}


class ExportError(Exception):
    """An export cannot be written; the message is for the user."""


_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


STAGING_MARK = ".casebook-partial-"
_TEMPDIR_LOCK = threading.Lock()


def _remove_stale_staging(target: Path) -> None:
    """Staging folders of this target left by an export that was killed (a kill cannot clean up)."""
    for stale in target.parent.glob(f".{target.name}{STAGING_MARK}*"):
        shutil.rmtree(stale, ignore_errors=True)


@contextmanager
def staging(target: Path) -> Iterator[Path]:
    """An owner-only hidden folder beside the target, for everything an export writes before it is complete.

    Removed on any failure (and, after a kill, by the next export to the same target). Libraries' own
    temporary files (openpyxl streams each sheet to one) go into it too, never to the system's temp folder.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_staging(target)
    folder = Path(tempfile.mkdtemp(prefix=f".{target.name}{STAGING_MARK}", dir=target.parent))  # mode 0700
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def _library_temp_files_in(folder: Path) -> Iterator[None]:
    """Point tempfile (used by openpyxl's write-only sheets) at the staging folder while a workbook is built."""
    with _TEMPDIR_LOCK:
        before = tempfile.tempdir
        tempfile.tempdir = str(folder)
        try:
            yield
        finally:
            tempfile.tempdir = before


@contextmanager
def _atomic(path: Path) -> Iterator[Path]:
    """A new file in a staging folder beside the target, moved onto the target only once complete."""
    with staging(path) as folder:
        partial = folder / path.name
        yield partial
        os.chmod(partial, 0o600)  # exports are owner-only, whatever the library or the umask made
        partial.replace(path)


def _write_text(path: Path, lines: list[str]) -> None:
    with _atomic(path) as partial:
        partial.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _csv_cell(value: Any) -> str:
    text = tpl.cell_text(value)
    return tpl.neutralise(text) if isinstance(value, str | list) else text


def _write_csv(path: Path, header: list[str], rows: list[list[Any]], comments: tuple[str, ...] = ()) -> None:
    with _atomic(path) as partial, partial.open("w", encoding="utf-8-sig", newline="") as fh:
        for line in comments:
            fh.write(f"# {line}\n")
        writer = csv.writer(fh)
        writer.writerow(header)
        for row in rows:
            writer.writerow([_csv_cell(v) for v in row])


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        value = tpl.cell_text(value)
    if isinstance(value, str):
        return _ILLEGAL_XLSX.sub("", tpl.neutralise(value))
    return value


def _add_sheet(book: Any, title: str, header: list[str], rows: list[list[Any]]) -> None:
    from openpyxl.cell import WriteOnlyCell

    sheet = book.create_sheet(title[:31])
    sheet.append(header)
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, dt.date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "yyyy-mm-dd"
                cells.append(cell)
            else:
                cells.append(_xlsx_value(value))
        sheet.append(cells)


def _write_xlsx(path: Path, sheets: dict[str, Table], about: list[str]) -> None:
    from openpyxl import Workbook

    with _atomic(path) as partial, _library_temp_files_in(partial.parent):
        book = Workbook(write_only=True)
        for title, (header, rows) in sheets.items():
            _add_sheet(book, title, header, rows)
        _add_sheet(book, "about", ["about this export"], [[line] for line in about])
        book.save(partial)


def _variable_names(header: list[str]) -> list[str]:
    names: list[str] = []
    for name in header:
        clean = re.sub(r"\W", "_", name, flags=re.ASCII).strip("_") or "v"
        if not clean[0].isalpha():
            clean = "v_" + clean
        clean = clean[:32]
        base, n = clean, 1
        while clean.lower() in (x.lower() for x in names):
            n += 1
            clean = f"{base[:29]}_{n}"
        names.append(clean)
    return names


def _stats_frame(
    header: list[str], rows: list[list[Any]]
) -> tuple[Any, dict[str, str | None], dict[str, dict[int | float, str]]]:
    import pandas as pd

    names = _variable_names(header)
    data: dict[str, Any] = {}
    labels: dict[str, str | None] = {}
    value_labels: dict[str, dict[int | float, str]] = {}
    for i, (name, var) in enumerate(zip(header, names, strict=True)):
        values = [row[i] for row in rows]
        present = [v for v in values if v is not None]
        column = tpl.BY_NAME.get(name)
        labels[var] = column.description if column else name
        allowed: Mapping[str, str] | None = CODED.get(name) if column is not None else None
        if allowed:
            order = {code: float(n) for n, code in enumerate(allowed, start=1)}
            data[var] = [order.get(v, float("nan")) if v is not None else float("nan") for v in values]
            value_labels[var] = {n: allowed[code] for code, n in order.items()}
        elif present and all(isinstance(v, bool) for v in present):
            data[var] = [float(v) if v is not None else float("nan") for v in values]
            value_labels[var] = {0.0: "no", 1.0: "yes"}
        elif present and all(isinstance(v, dt.date) for v in present):
            data[var] = pd.Series(values, dtype="object")  # date objects: written as dates, not datetimes
        elif present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
            data[var] = [float(v) if v is not None else float("nan") for v in values]
        else:
            data[var] = [tpl.cell_text(v) for v in values]
    return pd.DataFrame(data), labels, value_labels


def _write_stats(path: Path, header: list[str], rows: list[list[Any]], fmt: str, about: list[str]) -> None:
    import pyreadstat

    frame, labels, value_labels = _stats_frame(header, rows)
    freeze = next((line for line in about if line.startswith("Data freeze")), "")
    file_label = (freeze.split(" (")[0] if freeze else "Casebook export")[:64]
    with _atomic(path) as partial:
        try:
            if fmt == "sav":
                pyreadstat.write_sav(frame, str(partial), file_label=file_label, column_labels=labels,
                                     variable_value_labels=value_labels,
                                     note=[part for line in about for part in textwrap.wrap(line, 80)])
            else:
                pyreadstat.write_dta(frame, str(partial), file_label=file_label, column_labels=labels,
                                     variable_value_labels=value_labels)
        except Exception as exc:  # pyreadstat's own error types
            raise ExportError(f"could not write {path.name}: {exc}") from exc


def write_flat(out: Path, header: list[str], rows: list[list[Any]], fmt: str, about: list[str],
               date_mode: str | None = None) -> list[Path]:
    out.parent.mkdir(parents=True, exist_ok=True)
    if date_mode == "days":
        about = [*about, "Dates are days from time zero (day 1 of the first salvage course = 0)."]
    if fmt == "csv":
        _write_csv(out, header, rows)
        note = out.with_name(out.stem + ".about.txt")
        _write_text(note, about)
        return [out, note]
    if fmt == "xlsx":
        _write_xlsx(out, {"cases": (header, rows)}, about)
    else:
        _write_stats(out, header, rows, fmt, about)
    return [out]


def write_long(out: Path, tables: dict[str, Table], fmt: str, about: list[str]) -> list[Path]:
    if fmt == "xlsx":
        out.parent.mkdir(parents=True, exist_ok=True)
        _write_xlsx(out, tables, about)
        return [out]
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ExportError(f"{out} exists and is not an empty folder; the long CSV export writes a folder of tables")
    # The folder is built whole in a staging folder, then renamed into place: whole or absent.
    with staging(out) as folder:
        built = folder / out.name
        built.mkdir(mode=0o700)
        names = []
        for name, (header, rows) in tables.items():
            names.append(f"{name}.csv")
            _write_csv(built / names[-1], header, rows)
        _write_text(built / "about.txt", about)
        if out.is_dir():
            out.rmdir()  # empty (checked above); Windows cannot rename a folder onto another
        os.replace(built, out)  # the whole folder appears in one step
    return [*(out / n for n in names), out / "about.txt"]


def template_notes() -> list[list[str]]:
    """(column, type, allowed values, description) of every column of the flat template."""
    return [[c.name, tpl.KINDS[c.kind] if not c.codes else "code", c.allowed(), c.description]
            for c in tpl.COLUMNS]


def write_template(path: Path) -> Path:
    """An empty flat template (.csv or .xlsx) listing every column's allowed values."""
    path = Path(path)
    header = [c.name for c in tpl.COLUMNS if not c.derived]
    notes = [n for n in template_notes() if n[0] in header]
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook
        from openpyxl.worksheet.datavalidation import DataValidation

        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "cases"
        sheet.append(header)
        for i, name in enumerate(header, start=1):
            column = tpl.BY_NAME[name]
            if column.codes:
                letter = sheet.cell(row=1, column=i).column_letter
                rule = DataValidation(type="list", formula1='"' + ",".join(column.codes) + '"', allow_blank=True)
                rule.add(f"{letter}2:{letter}10000")
                sheet.add_data_validation(rule)
        info = book.create_sheet("allowed values")
        info.append(["column", "type", "allowed values", "description"])
        for row in notes:
            info.append(row)
        with _atomic(path) as partial:
            book.save(partial)
        return path
    comments = ["Casebook flat case template: one row per case below the header. Lines starting with # are notes.",
                *(f"{name}: {kind}; {allowed}" for name, kind, allowed, _d in notes)]
    _write_csv(path, header, [], tuple(comments))
    return path
