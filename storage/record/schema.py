"""What makes a file a Casebook database: the schema revisions this version knows, and a read-only look.

The look never writes a byte: a file that is not a Casebook database, or a corrupt one, is refused and
left byte-identical. Kept apart from storage.database (which opens, upgrades and backs up) so that the
data-safety modules can inspect a file without importing the code that opens it.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlcipher3 import dbapi2 as _sqlcipher

# An encrypted file is read through SQLCipher's driver, whose errors are its own classes.
_OPERATIONAL_ERRORS = (sqlite3.OperationalError, _sqlcipher.OperationalError)
_DATABASE_ERRORS = (sqlite3.DatabaseError, _sqlcipher.DatabaseError)

SQLITE_HEADER = b"SQLite format 3\x00"


class DatabaseError(Exception):
    """A database cannot be opened; the message is for the user."""


class NotACasebookDatabase(DatabaseError):
    pass


class DatabaseTooNew(DatabaseError):
    pass


class DatabaseNeedsUpgrade(DatabaseError):
    """A command that only reads met an older schema: it writes nothing and says how to upgrade."""


class DatabaseHardLinked(DatabaseError):
    """The file has other names (hard links): two writers could each lock one name."""


# SQLite's own short reasons, in words saying what happened and what to do (never the SQL or its values).
SQLITE_PROBLEMS = (
    (("readonly", "read-only", "attempt to write a readonly"),
     "the database file cannot be written (a read-only file, folder or medium). Nothing was saved. "
     "Copy the database to a folder you can write to, or open it read-only to look at it."),
    (("database or disk is full", "disk is full"),
     "the disk is full. Nothing was saved. Free some space on the disk and try again."),
    (("database is locked", "busy"),
     "another program is writing the database right now. Nothing was saved. Try again in a moment; "
     "if it keeps happening, close the other Casebook window."),
    (("disk i/o error",),
     "the disk reported an error while reading or writing the database (a read-only or removed medium, "
     "a network drive gone, a failing disk). Nothing was saved. Check the disk, or copy the database to a "
     "folder you can write to, then try again."),
    (("unable to open database",),
     "the database file cannot be opened (its folder is missing, not accessible, or on a read-only medium "
     "without the database's -shm file). Check the path, or copy the database to a folder you can write to."),
)


def sqlite_problem(reason: str) -> str | None:
    """The words for one of SQLite's short reasons (e.g. "disk I/O error"), or None if unknown."""
    lowered = reason.lower()
    return next((message for words, message in SQLITE_PROBLEMS if any(w in lowered for w in words)), None)


def cannot_write(path: Path) -> str | None:
    """Why Casebook could not write this database file (a read-only file, folder or medium), or None."""
    path = Path(path)
    folder = path.absolute().parent
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return f"{path.name} is on a read-only medium"
    except (AttributeError, OSError):  # no statvfs on Windows
        pass
    if path.exists() and not os.access(path, os.W_OK):
        return f"{path.name} is a read-only file"
    if not os.access(folder, os.W_OK):  # SQLite writes its -wal and -shm files beside the database
        return f"the folder of {path.name} cannot be written"
    return None


def read_only_uri(path: Path) -> str:
    """An SQLite URI that opens ``path`` read-only. The path is percent-encoded: a folder named
    "Studie #3" or "a?b" or "%41" would otherwise be cut at the # or ?, or decoded to another name."""
    # as_uri percent-encodes # ? % and spaces, and writes a Windows path as file:///C:/...
    return Path(path).absolute().as_uri() + "?mode=ro"


def refuse_hard_links(path: Path) -> None:
    """Raise DatabaseHardLinked if the database file has more than one name."""
    try:
        links = os.stat(path).st_nlink
    except OSError:
        return
    if links > 1:
        raise DatabaseHardLinked(
            f"{Path(path).name} has {links - 1} other name(s) on this disk (hard links). Two names of one database "
            "would let two programs write it at once and split its data. Casebook opens it only under one name: "
            "remove the other links (or make a copy with File > Save a copy) and open it again."
        )


# The schema revisions this version of Casebook knows, oldest first. Kept here as constants so that
# opening a database does not import Alembic (about 0.1 s); a test keeps them equal to the
# migrations folder. Add the new revision here when you add a migration.
SCHEMA_REVISIONS: tuple[str, ...] = ("0001", "0002", "0003")


def head_revision() -> str:
    return SCHEMA_REVISIONS[-1]


def known_revisions() -> list[str]:
    return list(SCHEMA_REVISIONS)


def inspect_revision(path: Path, connect: Callable[[Path], Any] | None = None) -> str:
    """The schema revision of an existing file, read without writing a byte to it.

    ``connect`` opens a file that has no SQLite header (storage.safety.encryption passes its keyed, read-only one)."""
    try:
        with path.open("rb") as fh:
            header = fh.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise DatabaseError(f"Cannot read {path}: {exc.strerror}.") from exc
    if header != SQLITE_HEADER and connect is None:
        raise NotACasebookDatabase(f"{path.name} is not a Casebook database (it is not an SQLite file).")
    try:
        conn = connect(path) if connect is not None else sqlite3.connect(read_only_uri(path), uri=True)
        try:
            conn.execute("PRAGMA query_only=ON")
            ok = conn.execute("PRAGMA quick_check").fetchone()
            if not ok or ok[0] != "ok":
                raise NotACasebookDatabase(f"{path.name} is damaged (SQLite integrity check failed).")
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if "alembic_version" not in tables or "cases" not in tables:
                raise NotACasebookDatabase(f"{path.name} is an SQLite file but not a Casebook database.")
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            conn.close()
    except _OPERATIONAL_ERRORS as exc:
        known = sqlite_problem(str(exc))
        if known is None:
            raise NotACasebookDatabase(f"{path.name} cannot be read as a Casebook database ({exc}).") from exc
        raise DatabaseError(f"{path.name} cannot be opened: {known}") from exc
    except _DATABASE_ERRORS as exc:
        raise NotACasebookDatabase(f"{path.name} cannot be read as a Casebook database ({exc}).") from exc
    if row is None:
        raise NotACasebookDatabase(f"{path.name} has no schema version; it is not a Casebook database.")
    return str(row[0])


