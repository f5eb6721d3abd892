"""The command-line subcommands import, export and verify (wired into main.py).

Every expected failure (a bad file, a locked or foreign database, an unwritable target) ends
with a one-line message per problem on stderr and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

EXPORT_SUFFIXES = {".csv": "csv", ".xlsx": "xlsx", ".sav": "sav", ".dta": "dta"}  # as storage.interchange.export.exporting.SUFFIXES


def add_parsers(sub: Any) -> None:
    imp = sub.add_parser("import", help="import cases: a CSV or XLSX file, one row per case (the flat template, or "
                                        "your own columns with --mapping), or the long format")
    imp.add_argument("file", type=Path, help="CSV or XLSX file, one row per case; or the long format: an XLSX with "
                                             "a sheet per record kind, a folder or zip of CSV tables")
    imp.add_argument("--db", type=Path, required=True, help="database to import into (created if missing)")
    imp.add_argument("--add-fields", action="store_true", help="add unknown columns as custom fields")
    imp.add_argument("--date-format", metavar="FMT", help="format of non-ISO dates, e.g. %%d.%%m.%%Y")
    imp.add_argument("--dry-run", action="store_true", help="check and report only; write nothing")
    imp.add_argument("--update-existing", action="store_true", help="update the cases whose study ID exists")
    imp.add_argument("--mapping", metavar="NAME|FILE.json",
                     help="the file's own columns and values mapped to Casebook's: a mapping saved in the study "
                          "(File > Import) or a JSON file")
    exp = sub.add_parser("export", help="export the cases: flat template, long format, SPSS or Stata")
    exp.add_argument("--db", type=Path, required=True, help="database to export")
    exp.add_argument("--out", type=Path, required=True, help="file to write (a folder for --long as csv)")
    exp.add_argument("--format", choices=("csv", "xlsx", "sav", "dta"), help="default: from the suffix of --out")
    exp.add_argument("--long", action="store_true", help="one table per kind of record (xlsx or csv)")
    exp.add_argument("--deidentify", action="store_true",
                     help="no names, hospital numbers, birth dates or free text; coded IDs; shifted dates")
    exp.add_argument("--days-from-time-zero", action="store_true",
                     help="with --deidentify: dates as days from time zero instead of shifted dates")
    exp.add_argument("--safe-field", action="append", default=[], metavar="FIELD",
                     help="with --deidentify: keep this free-text or custom field (still checked for the "
                          "patient's identifiers); repeatable; long-format fields as table.column")
    exp.add_argument("--overwrite", action="store_true",
                     help="replace an existing export file (never a database, its backups or any SQLite file)")
    ver = sub.add_parser("verify", help="check the audit trail's hash chain and the database's integrity")
    ver.add_argument("--db", type=Path, required=True, help="database to check (opened read-only)")
    from storage.safety.encryption import add_passphrase_option

    for parser in (imp, exp, ver):
        add_passphrase_option(parser)


def _say(command: str, message: str) -> None:
    print(f"casebook {command}: {message}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from storage.record.schema import DatabaseError
    from storage.safety.encryption import unlock_for_command

    handlers = {"import": run_import, "export": run_export, "verify": run_verify}
    try:
        try:  # an encrypted database's passphrase, checked once before anything opens it
            args.new_passphrase = unlock_for_command(args.db, args.passphrase_prompt, new=args.command == "import")
        except DatabaseError as exc:
            _say(args.command, str(exc))
            return 1
        return handlers[args.command](args)
    except KeyboardInterrupt:
        _say(args.command, "interrupted; nothing was changed by the unfinished step")
        return 130
    except OSError as exc:  # a file or folder the command could not use
        _say(args.command, _os_problem(exc, Path(exc.filename or getattr(args, "db", "") or ".")))
        return 2
    except Exception as exc:  # the last line of defence: a message, never a traceback
        _say(args.command, _unexpected(exc))
        return 2


def _unexpected(exc: Exception) -> str:
    """A failure nobody foresaw, in words: a database error never shows its SQL or the values it wrote."""
    from storage.safety.problems import database_problem, is_database_error

    if is_database_error(exc):
        return database_problem(exc)
    return f"failed: {type(exc).__name__}: {exc}"


def run_import(args: argparse.Namespace) -> int:
    from storage.database import DatabaseError
    from storage.interchange.imports.column_mapping import MappingNotFound
    from storage.interchange.imports.importing import ImportOptions
    from storage.safety.lock import DatabaseLocked

    if not args.file.is_file() and not args.file.is_dir():  # a folder: the long format's CSV tables
        _say("import", f"there is no file {args.file}")
        return 1
    if args.date_format is not None and "%" not in args.date_format:
        _say("import", f"--date-format {args.date_format!r} has no % codes; write e.g. %d.%m.%Y")
        return 1
    options = ImportOptions(add_fields=args.add_fields, date_format=args.date_format,
                            update_existing=args.update_existing, dry_run=args.dry_run)
    if args.db.is_dir() or not args.db.name:
        _say("import", f"--db {args.db} is a folder; name the database file, e.g. {args.db / 'casebook.db'}")
        return 1
    if not args.db.parent.is_dir():
        _say("import", f"there is no folder {args.db.parent} for the database")
        return 1
    plain_new = not args.db.exists() and not args.dry_run and args.new_passphrase is None
    try:
        if args.dry_run and not args.db.exists():
            report = _dry_run_on_new_database(args.file, options, args.mapping)  # the check needs no database file
        else:
            report = _import_into(args.db, args.file, options, args.mapping, args.new_passphrase)
    except MappingNotFound as exc:
        _say("import", f"--mapping: {exc}")
        return 1
    except (DatabaseError, DatabaseLocked) as exc:
        _say("import", str(exc))
        return 1
    except OSError as exc:
        _say("import", _os_problem(exc, args.db))
        return 1
    for line in report.problem_lines():
        _say("import", line)
    if report.problems:
        _say("import", report.summary())
        return 1
    print(report.summary())
    if plain_new:
        _say("import", f"{args.db.name} was created as a plain, unencrypted database; for an encrypted one give a "
                       "passphrase (--passphrase-prompt, or CASEBOOK_PASSPHRASE in a script) when creating it")
    for field in report.new_fields:
        choices = f" ({', '.join(field.choices)})" if field.choices else ""
        print(f"  new custom field {field.name}: {field.kind}{choices}")
    return 0


def _os_problem(exc: OSError, path: Path) -> str:
    """One line naming the path and the problem, e.g. 'cannot use /x/a.db (/x/a.db.lock: Permission denied)'."""
    detail = exc.strerror or str(exc)
    if exc.filename and str(exc.filename) != str(path):
        detail = f"{exc.filename}: {detail}"
    return f"cannot use {path} ({detail})"


def _not_a_file(command: str, path: Path) -> bool:
    if path.is_dir():
        _say(command, f"--db {path} is a folder, not a database file")
        return True
    return False


def _with_mapping(db: Any, options: Any, mapping: str | None) -> Any:
    """The options with the mapping named on the command line (saved in the study, or a .json file)."""
    import dataclasses

    from storage.interchange.imports.column_mapping import load_mapping

    if mapping is None:
        return options
    with db.session() as session:
        return dataclasses.replace(options, mapping=load_mapping(session, mapping))


@contextmanager
def terminal_progress(stream: TextIO | None = None, clock: Callable[[], float] = time.monotonic,
                      every: float = 0.5) -> Iterator[Callable[[int, int, str], None] | None]:
    """A progress line for a long import ("casebook import: checking cases 5,000 of 50,000"), redrawn at most
    every `every` seconds, only when stderr is a terminal (never into a log or a pipe); cleared at the end."""
    out = stream if stream is not None else sys.stderr
    if not out.isatty():
        yield None
        return
    last = [clock()]  # nothing is drawn for an import shorter than `every`
    drawn = [False]

    def show(done: int, total: int, what: str) -> None:
        now = clock()
        if now - last[0] < every:
            return
        last[0] = now
        out.write(f"\r\x1b[Kcasebook import: {what} {done:,}" + (f" of {total:,}" if total > 0 else ""))
        out.flush()
        drawn[0] = True

    try:
        yield show
    finally:
        if drawn[0]:
            out.write("\r\x1b[K")
            out.flush()


def _import_into(path: Path, file: Path, options: Any, mapping: str | None = None,
                 passphrase: str | None = None) -> Any:
    """Import into an existing database (no backup on opening: the import backs up before it writes),
    or into a new one (encrypted if a passphrase was given), which is removed again unless the import wrote to it."""
    from storage.database import create_database, open_database
    from storage.interchange.imports.importing import import_file
    from storage.safety.lock import acquire_lock

    with acquire_lock(path):
        new = not path.exists()
        db = create_database(path, passphrase) if new else open_database(path, backup=False, upgrade_schema=not options.dry_run)
        report = None
        try:
            with terminal_progress() as progress:
                report = import_file(db, file, _with_mapping(db, options, mapping), progress)
        finally:
            db.close()
            if new and (report is None or not report.written):
                for leftover in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm", "-journal"))):
                    leftover.unlink(missing_ok=True)
    return report


def _dry_run_on_new_database(file: Path, options: Any, mapping: str | None = None) -> Any:
    """A dry run for a database that does not exist yet: checked against an empty one, then discarded."""
    import tempfile

    from storage.database import create_database
    from storage.interchange.imports.importing import import_file

    with tempfile.TemporaryDirectory(prefix="casebook-dry-run-") as folder:
        db = create_database(Path(folder) / "dry-run.db")
        try:
            with terminal_progress() as progress:
                return import_file(db, file, _with_mapping(db, options, mapping), progress)
        finally:
            db.close()


def run_export(args: argparse.Namespace) -> int:
    from storage.database import DatabaseError, open_database
    from storage.interchange.export.exporting import ExportError, ExportOptions, export_database
    from storage.safety.lock import DatabaseLocked, Lock, acquire_lock, make_read_only

    fmt = args.format or EXPORT_SUFFIXES.get(args.out.suffix.lower(), "csv")
    options = ExportOptions(fmt=fmt, long=args.long, deidentify=args.deidentify,
                            date_mode="days" if args.days_from_time_zero else "shift", overwrite=args.overwrite,
                            safe_fields=frozenset(args.safe_field))
    if args.days_from_time_zero and not args.deidentify:
        _say("export", "--days-from-time-zero only applies with --deidentify")
        return 1
    if not args.db.exists():
        _say("export", f"there is no database at {args.db}")
        return 1
    if _not_a_file("export", args.db):
        return 1
    lock: Lock | None = None
    try:
        try:
            lock = acquire_lock(args.db)
        except DatabaseLocked as exc:
            # Reading is safe while another window writes; writing keys is not.
            if args.deidentify:
                raise exc
        db = open_database(args.db, backup=False, upgrade_schema=False)  # an export never upgrades the file
        if lock is None:
            make_read_only(db.engine)
        try:
            with db.session() as session:
                result = export_database(session, args.out, options)
        finally:
            db.close()
    except (DatabaseError, DatabaseLocked, ExportError) as exc:
        _say("export", str(exc))
        return 1
    finally:
        if lock is not None:
            lock.release()
    print(f"Exported {result.cases} cases to {', '.join(str(p) for p in result.paths)}")
    from storage.safety.encryption import is_encrypted

    if is_encrypted(args.db):
        print("  The export is a plain file: it is not encrypted as the database is. Keep it on an encrypted "
              "medium and share de-identified exports only.")
    for line in result.about[1:]:
        print(f"  {line}")
    return 0


def run_verify(args: argparse.Namespace) -> int:
    from storage.database import DatabaseError
    from storage.safety.verification import verify_database

    if not args.db.exists():
        _say("verify", f"there is no database at {args.db}")
        return 1
    if _not_a_file("verify", args.db):
        return 1
    try:
        report = verify_database(args.db)
    except DatabaseError as exc:
        _say("verify", str(exc))
        return 1
    for fact in report.facts:
        print(fact)
    problems = report.problems
    for problem in problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    if problems:
        print(f"casebook verify: {len(problems)} problem(s) found; the database may have been tampered with "
              "or damaged. Restore a backup (File > Restore from backup) after checking.", file=sys.stderr)
        return 1
    print("No problems found.")
    return 0
