"""Importing the flat case template (CSV or XLSX): all rows or none, every problem reported.

The rows are built into cases (a new case as plain records, light_records.LightCase; a case to update as
its ORM object) and checked with storage.record.rules.check_case, the same rules every flush runs, plus
what only a file can get wrong (unreadable cells, unknown columns, repeated study IDs). Only when no row
has a problem is anything kept: everything is written in one transaction, after a backup, and rolled back
if any row has a problem. Without a check kept from before (the command line), checked new cases are
written a chunk at a time into that transaction while the rest is checked, so that memory holds one
chunk, not the whole file's cases. A dry run stops before writing.
"""

from __future__ import annotations

import gc
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

from sqlalchemy.orm import Session

from storage.database import Database
from storage.interchange import case_template as tpl
from storage.interchange.imports.bulk_insert import CaseRows, insert_cases
from storage.interchange.imports.checked_import import CheckedImport, database_state, file_state, release_plan
from storage.interchange.imports.column_mapping import EmptiedValues, emptied_note
from storage.interchange.imports.import_plan import (
    SHOWN_ROWS,
    SHOWN_TEXT,
    ImportPlan,
    ImportReport,
    Progress,
    StoredCases,
    release,
)
from storage.interchange.imports.import_plan import ImportOptions as ImportOptions  # re-exported for callers
from storage.interchange.imports.light_records import LightCase, light_rows
from storage.interchange.imports.row_building import (
    Columns,
    ColumnScan,
    build_row,
    complete_columns,
    plan_columns,
    shown,
)
from storage.interchange.table_files import (
    Problem,
    ProblemList,
    TableSource,
    UnreadableFile,
    changed_while_read,
)
from storage.interchange.table_reading import open_table
from storage.record.models import Case
from storage.record.rules import check_case, shown_as, study_id_key
from storage.safety.audit import REASON_KEY, new_salt, row_hasher

_DATE_CODES = {"d": "day", "j": "day", "m": "month", "b": "month", "B": "month", "y": "year", "Y": "year",
               "a": "weekday", "A": "weekday"}
_TIME_CODES = frozenset("HIMSfpzZX")


def date_format_problem(date_format: str | None) -> str | None:
    """Why a stated date format cannot be used (checked before any row is read), or None."""
    if not date_format:
        return None
    named = f"the date format {date_format!r}"
    found = re.findall(r"%(.?)", date_format.replace("%%", ""))
    for code in found:
        if code in _TIME_CODES:
            return f"{named} has a time of day (%{code}); give the date part only, e.g. %d.%m.%Y"
        if code not in _DATE_CODES:
            return (f"{named} has %{code}, which is not a date code; use %d (day), %m or %b (month) and %Y or %y "
                    "(year), e.g. %d.%m.%Y")
    parts = {_DATE_CODES[code] for code in found}
    if "year" not in parts:
        return f"{named} has no year (%Y or %y): every date would fall in 1900"
    if "day" not in parts or ("month" not in parts and "j" not in found):
        return f"{named} has no {'day (%d)' if 'day' not in parts else 'month (%m)'}: every date would be guessed"
    return None


def _study_id(value: Any) -> str:
    return tpl.unneutralise(tpl.cell_text(value).strip())  # an export wrote '-P02 for -P02, as for all text


def _row_problems(case: Case, number: int, row: list[Any], columns: Columns,
                  new_case: bool) -> tuple[list[Problem], dict[str, str]]:
    """Build one row into the case and check it: every problem of its cells and of the rules, in one go."""
    row_problems: list[Problem] = []
    paths = build_row(case, number, row, columns, row_problems, new_case)
    violations = check_case(case)  # the rules run on the rest of the row all the same
    if not violations:
        return row_problems, paths
    by_column = {columns.header[i]: row[i] for i in (*columns.template, *columns.records)}
    by_column.update({f.name: row[i] for i, f in columns.custom.items()})
    reported = {p.column for p in row_problems}  # unreadable or refused cells: not written, said once
    for violation in violations:
        name = paths.get(violation.field) or columns.header_of(tpl.column_for_path(violation.field))
        if name in reported:
            continue
        value = by_column.get(name)
        row_problems.append(Problem(number, name, None if value is None else shown(value), violation.rule))
    return row_problems, paths


def _refused_row_problems(sid: str, number: int, row: list[Any], columns: Columns) -> list[Problem]:
    """The other problems of a row whose study ID was refused, checked on a case that is never kept."""
    found, _paths = _row_problems(cast(Case, LightCase({"study_id": sid})), number, row, columns, True)
    said = columns.header_of("study_id") if columns.study_id is None else columns.header[columns.study_id]
    return [p for p in found if p.column != said]  # (its study ID, or the lack of a study_id column: said)


Sink = Callable[[ImportPlan, list[CaseRows]], None]  # writes a chunk of checked new cases
Updates = Callable[[ImportPlan], None]  # writes (or forgets) plan.updated, the stored cases changed so far
CHUNK = 2000  # new cases handed to the sink at a time
CHUNK_TEXT = 20_000_000  # or fewer, once their rows hold this many characters (e.g. long notes)
KEPT_CASES = 100_000  # new cases a Check keeps for its Import; a larger file is checked again as it is written


def plan_import(session: Session, path: Path, options: ImportOptions, progress: Progress | None = None,
                sink: Sink | None = None, updates: Updates | None = None) -> ImportPlan:
    """Read, build and check every row without writing anything; with a sink (the command line's chunked
    import), each chunk of CHUNK checked new cases goes to it as soon as it is checked, as long as nothing
    is wrong (from the first problem on every row is still checked, but nothing more goes to the sink).
    plan.new then holds only the cases not handed over yet. With `updates`, each CHUNK of stored cases changed
    by the file is handed to it (which writes them, or forgets them once anything is wrong) and plan.updated
    emptied."""
    from storage.interchange.imports.long_files import is_long

    if is_long(Path(path)):
        from storage.interchange.imports.long_import import plan_long_import

        if options.mapping is not None:
            report = ImportReport(Path(path))
            report.problems.append(Problem(None, None, None, f"{Path(path).name} is the long format (a table per "
                                           "kind of record), which needs no column mapping; import it without one"))
            return ImportPlan(report)
        return plan_long_import(session, path, options, progress)
    report = ImportReport(Path(path))
    plan = ImportPlan(report)
    mapping = options.mapping
    date_format = options.date_format or (mapping.date_format if mapping else None)
    bad_format = date_format_problem(date_format)
    if bad_format:
        report.problems.append(Problem(None, None, None, bad_format))
        return plan
    before = _file_version(report.path)  # the file must not change between the passes over it
    try:
        source = open_table(report.path)
    except UnreadableFile as exc:
        report.problems.extend(exc.problems)
        return plan
    report.header = source.header
    found = ProblemList()  # the columns' and study IDs' problems, reported after the file's own
    columns = plan_columns(session, source.header, mapping, options.add_fields, found)
    scan = ColumnScan(columns, date_format)
    emptied = EmptiedValues(source.header, mapping) if mapping is not None else None
    sid_at = columns.study_id
    first_row: dict[str, tuple[int, str]] = {}  # by study_id_key: any letter case, invisible characters ignored
    cases = shown_text = 0
    try:  # the first pass: what the whole file decides (date orders, new fields, repeated study IDs)
        for number, row in enumerate(source.rows(), 1):
            if progress and number % 1000 == 0:
                progress(number, 0, "reading rows")
            if number <= SHOWN_ROWS and shown_text < SHOWN_TEXT:  # the preview's rows, bounded in text too
                report.rows.append(row)
                shown_text += sum(len(v) for v in row if isinstance(v, str))
            if _blank(row):
                continue
            cases += 1
            scan.feed(row)
            if emptied is not None:
                emptied.feed(row)
            if sid_at is not None:
                _first_of_its_id(first_row, number, row[sid_at], columns.header[sid_at], found)
    except UnreadableFile as exc:
        report.problems.extend(exc.problems)
        return plan
    report.problems.extend(source.problems)
    report.problems.extend(found)
    complete_columns(columns, scan, report.problems, report.new_fields)
    if emptied is not None and (note := emptied_note(emptied.found())):
        report.notes.append(note)
    if not cases:
        report.problems.append(Problem(None, None, None, "the file has a header but no case rows"))
    plan.new_fields = [f for f in columns.custom.values() if f.id is None]
    if not cases:
        return plan
    if sid_at is None:  # refused above; every row's other cells are still checked, all in one round
        for number, row in _read_again(source, report):
            if not _blank(row):
                report.problems.extend(_refused_row_problems("", number, row, columns))
        report.problems.sort(key=lambda p: (p.row or 0))
        return plan
    header = source.header
    sid_column = columns.header[sid_at]
    existing = StoredCases(session, list(first_row), options.update_existing)
    done = chunk_text = 0
    for number, row in _read_again(source, report):  # the second pass: each row built and checked
        if _blank(row):
            continue
        if progress and done % 250 == 0:
            progress(done, cases, "checking rows")
        done += 1
        sid = _study_id(row[sid_at])
        key = study_id_key(sid)
        if not key or first_row.get(key, (0,))[0] != number:  # refused above; its other cells are still checked
            report.problems.extend(_refused_row_problems(sid, number, row, columns))
            continue
        matches = existing.get(key)
        case = next((c for c in matches if c.study_id == sid), matches[0] if len(matches) == 1 else None)
        refused = None
        if matches and not options.update_existing:
            refused = (f"study ID {sid} already exists in the database{shown_as(sid, matches[0].study_id)} (to "
                       "change that case, choose to update existing cases)")
        elif matches and case is None:
            refused = (f"study ID {sid} matches several cases ({', '.join(repr(c.study_id) for c in matches)}); "
                       "give one exactly")
        if refused is not None:  # the row's other problems are listed too, all in one round
            report.problems.append(Problem(number, sid_column, sid, refused))
            report.problems.extend(_refused_row_problems(sid, number, row, columns))
            continue
        new_case = case is None
        if case is None:  # plain, not an ORM object: written by bulk_insert, never flushed (light_records)
            case = cast(Case, LightCase({"study_id": sid}))
            report.created.append(sid)
        else:
            report.updated.append(case.study_id)
        row_problems, _paths = _row_problems(case, number, row, columns, new_case)
        report.problems.extend(row_problems)
        if not new_case:
            plan.updated.append(case)
            if updates is not None and len(plan.updated) >= CHUNK:
                updates(plan)
        elif not report.problems:  # once anything is wrong nothing will be written: keep no rows
            content = json.dumps([header, [tpl.cell_text(v) for v in row]], ensure_ascii=False, default=str)
            salt = new_salt()  # the row holds name and hospital number: only a keyed hash of it is kept
            digest = row_hasher(salt)
            digest.update(content.encode("utf-8"))
            plan.new.append(light_rows(cast(LightCase, case), salt, digest.hexdigest()))
            if len(plan.new) % CHUNK == 0:  # kept rows make no cycles: out of the collector's later passes
                gc.freeze()  # (a pass over them held the interpreter lock, and the dialog's window, 0.3 s)
                plan.frozen = True  # (unfrozen by release_plan)
            chunk_text += len(content)
            if sink is not None and (len(plan.new) >= CHUNK or chunk_text >= CHUNK_TEXT):
                chunk, plan.new, chunk_text = plan.new, [], 0
                sink(plan, chunk)
    if progress:
        progress(cases, cases, "checked")
    if _file_version(report.path) != before or not source.read_alike:  # (said first: the other problems may
        changed = changed_while_read(report.path).problems[0]  # be of another version of the file)
        if changed not in report.problems:
            report.problems.insert(0, changed)
    report.problems.sort(key=lambda p: (p.row or 0))
    return plan


def _read_again(source: TableSource, report: ImportReport) -> Iterator[tuple[int, list[Any]]]:
    """The rows numbered again; a file that can no longer be read (changed since the first pass) ends them
    with its problem."""
    try:
        yield from enumerate(source.rows(), 1)
    except UnreadableFile as exc:
        report.problems.extend(exc.problems)


def _blank(row: list[Any]) -> bool:
    return all(tpl.is_blank(v) for v in row)


def _first_of_its_id(first_row: dict[str, tuple[int, str]], number: int, cell: Any, column: str,
                     problems: list[Problem]) -> None:
    """Note the row of a study ID met for the first time; a missing or repeated one is a problem."""
    sid = _study_id(cell)
    key = study_id_key(sid)
    if not key:
        problems.append(Problem(number, column, sid, "the study ID is required"))
    elif key in first_row:
        first, as_written = first_row[key]
        problems.append(Problem(number, column, sid, f"study ID {sid} is also in row {first}"
                                f"{shown_as(sid, as_written)}"))
    else:
        first_row[key] = (number, sid)


def _file_version(path: Path) -> tuple[object, ...]:
    """What tells that a file was saved again between two passes over it: its size, modification time and
    SHA-256 (file_state)."""
    try:
        return file_state(path)
    except OSError:
        return ()


@contextmanager
def _fewer_garbage_collections() -> Iterator[None]:
    """Building hundreds of thousands of records triggers Python's cyclic garbage collector over
    and over; each pass holds the interpreter lock for up to 0.8 s, which freezes the window while
    the import runs on a worker thread. Collect less often while importing (measured: every pause
    under 150 ms, the import about 5% faster, peak memory unchanged)."""
    previous = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*previous)


def import_file(db: Database, path: Path, options: ImportOptions = ImportOptions(),
                progress: Progress | None = None, checked: CheckedImport | None = None) -> ImportReport:
    """Import a flat-template or long-format file: every row in one transaction, or nothing and a report of
    every problem. With `checked` (from check_file), its plan is written as it is if nothing it rests on
    changed; otherwise the file is checked again (report.checked_again says why). `checked` is used up."""
    try:
        with _fewer_garbage_collections():
            return _import_file(db, path, options, progress, checked)
    finally:
        if checked is not None:
            checked.release()


def check_file(db: Database, path: Path, options: ImportOptions = ImportOptions(),
               progress: Progress | None = None) -> CheckedImport:
    """Check a file as import_file would, writing nothing; a clean plan is kept for import_file(checked=...)
    (call .release() on the result if it will not be imported)."""
    options = replace(options, dry_run=True)
    with _fewer_garbage_collections():
        session = db.sessions()
        plan: ImportPlan | None = None
        try:
            before = file_state(path) if Path(path).exists() else ()  # before reading: a later change is seen
            state = database_state(session)  # the snapshot the plan reads
            kept: list[CaseRows] = []

            def keep(planned: ImportPlan, chunk: list[CaseRows]) -> None:
                """Keep the checked cases of a file that memory can hold; forget those of a larger one."""
                if too_large:
                    return
                if len(kept) + len(chunk) <= KEPT_CASES:
                    kept.extend(chunk)
                else:
                    release(kept)
                    too_large.append(True)

            too_large: list[bool] = []
            with session.no_autoflush:
                plan = plan_import(session, path, options, progress, keep)
            plan.new[:0] = kept
            checked = CheckedImport(Path(path), CheckedImport.options_key(options), before, state, plan.report)
            if too_large:
                checked.not_kept = (f"a file of more than {KEPT_CASES:,} new cases is checked again as it is "
                                    "written, a chunk at a time (its check is not kept in memory)")
            elif plan.report.ok and not plan.updated:  # nothing pending in the session: keep the plan's objects
                session.expunge_all()
                checked.plan, plan = plan, None
            return checked
        finally:
            session.rollback()
            session.close()
            if plan is not None:
                release_plan(plan)


def _import_file(db: Database, path: Path, options: ImportOptions, progress: Progress | None,
                 checked: CheckedImport | None) -> ImportReport:
    from storage.safety.backup import backup_database, discard_backup, rotate

    session = db.sessions()
    plan: ImportPlan | None = None
    taken: list[Path] = []  # the before-import copies: rotated in once the import is committed, else removed

    def copy_before() -> Path:
        taken.append(backup_database(db.path, "before-import", rotate_now=False))
        return taken[-1]

    try:
        again, backup = None, None
        if checked is not None:
            if checked.plan is not None and not options.dry_run:
                backup = copy_before()
                # no other writer from here to the commit: the database stays as compared below
                session.connection().exec_driver_sql("BEGIN IMMEDIATE")
            again = checked.changed(session, path, options)
        reason = f"import of {Path(path).name}"
        written: list[Path] = []  # the backup, once the first chunk is written

        def start_writing(planned: ImportPlan) -> None:
            if not written:
                written.append(copy_before())  # before the first write
                _prepare_writing(session, reason)
                session.add_all(planned.new_fields)
                session.flush()  # the new custom fields, whose ids the cases' values need

        def write_chunk(planned: ImportPlan, chunk: list[CaseRows]) -> None:
            """Write checked new cases into the open transaction while the rest of the file is checked: only
            a chunk of cases is held at a time (all or nothing still holds: a later problem rolls it back)."""
            start_writing(planned)
            insert_cases(session.connection(), chunk, reason)

        def write_updates(planned: ImportPlan) -> None:
            """The same for the stored cases changed so far, through the ORM and its audit entries; then they are
            let go (forgotten unwritten in a dry run, or once anything is wrong: nothing will be written)."""
            if not planned.report.problems and not options.dry_run:
                start_writing(planned)
                session.add_all(planned.updated)
                session.flush()
            for case in planned.updated:
                session.expunge(case)
            planned.updated = []
            gc.collect()  # ORM objects are cycles, freed only by the collector, which runs rarely while importing

        if checked is not None and again is None:
            plan = checked.take()
        else:
            if checked is not None:
                session.rollback()  # (the write lock, while the file is read again)
                checked.release()  # never two plans in memory
            with session.no_autoflush:
                plan = plan_import(session, path, options, progress, _forget if options.dry_run else write_chunk,
                                   write_updates)
            plan.report.checked_again, backup = again, None
        report = plan.report
        if report.problems or options.dry_run:
            session.rollback()  # (with any chunk written so far)
            return report
        report.backup = backup or (written[0] if written else copy_before())
        total = len(plan.new)
        if progress:
            progress(0, total, "writing")
        _prepare_writing(session, reason)
        session.add_all([*plan.new_fields, *plan.updated])
        session.flush()  # updates and new custom fields, through the ORM and its audit entries
        for start in range(0, total, CHUNK):  # still one transaction: a chunk at a time only for the progress
            insert_cases(session.connection(), plan.new[start:start + CHUNK], reason)
            if progress:
                progress(min(start + CHUNK, total), total, "writing")
        session.commit()
        report.written = True
        taken.remove(report.backup)  # kept; any other copy (of a check that no longer held) is removed below
        with suppress(OSError):  # (housekeeping: the import is written whatever happens here)
            rotate(db.path)
        if progress:
            progress(len(plan.new), len(plan.new), "done")
        return report
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
        for copy in taken:  # the database is as each of these copies shows it
            discard_backup(copy)
        if plan is not None:
            release_plan(plan)


def _forget(_plan: ImportPlan, chunk: list[CaseRows]) -> None:
    """A dry run's sink: checked cases are counted in the report, not kept."""
    release(chunk)


def _prepare_writing(session: Session, reason: str) -> None:
    session.info[REASON_KEY] = reason
    session.info["skip_rules"] = True  # every case was checked by check_case above, study IDs too


def write_template(path: Path) -> Path:
    """An empty flat template (.csv or .xlsx) that lists every column's allowed values."""
    from storage.interchange.export.export_writers import write_template as write

    return write(path)
