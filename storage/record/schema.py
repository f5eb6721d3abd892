"""What makes a file a Casebook database: the schema revisions this version knows, and a read-only look.

The look never writes a byte: a file that is not a Casebook database, or a corrupt one, is refused and
left byte-identical. Kept apart from storage.database (which opens, upgrades and backs up) so that the
data-safety modules can inspect a file without importing the code that opens it.
"""

from __future__ import annotations

import os
import sqlite3
import urllib.parse
from pathlib import Path

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


def read_only_uri(path: Path) -> str:
    """An SQLite URI that opens ``path`` read-only. The path is percent-encoded: a folder named
    "Studie #3" or "a?b" or "%41" would otherwise be cut at the # or ?, or decoded to another name."""
    return "file:" + urllib.parse.quote(str(Path(path).absolute()), safe="/") + "?mode=ro"


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
SCHEMA_REVISIONS: tuple[str, ...] = ("0001", "0002")


def head_revision() -> str:
    return SCHEMA_REVISIONS[-1]


def known_revisions() -> list[str]:
    return list(SCHEMA_REVISIONS)


def inspect_revision(path: Path) -> str:
    """The schema revision of an existing file, read without writing a byte to it."""
    try:
        with path.open("rb") as fh:
            header = fh.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise DatabaseError(f"Cannot read {path}: {exc.strerror}.") from exc
    if header != SQLITE_HEADER:
        raise NotACasebookDatabase(f"{path.name} is not a Casebook database (it is not an SQLite file).")
    try:
        conn = sqlite3.connect(read_only_uri(path), uri=True)
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
    except sqlite3.DatabaseError as exc:
        raise NotACasebookDatabase(f"{path.name} cannot be read as a Casebook database ({exc}).") from exc
    if row is None:
        raise NotACasebookDatabase(f"{path.name} has no schema version; it is not a Casebook database.")
    return str(row[0])


