"""Errors of the database turned into what happened and what to do, without SQL or its values.

SQLAlchemy's text of an error holds the statement and, unless the engine hides them, its parameters:
a patient's name, a hospital number, the re-identification key. Nothing from that text is shown; only
SQLite's own short reason is recognised and translated.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import SQLAlchemyError

# (words in SQLite's message, what happened and what to do)
_KNOWN = (
    (("readonly", "read-only", "attempt to write a readonly"),
     "the database file cannot be written (a read-only file, folder or medium). Nothing was saved. "
     "Copy the database to a folder you can write to, or open it read-only to look at it."),
    (("database or disk is full", "disk is full"),
     "the disk is full. Nothing was saved. Free some space on the disk and try again."),
    (("database is locked", "busy"),
     "another program is writing the database right now. Nothing was saved. Try again in a moment; "
     "if it keeps happening, close the other Casebook window."),
    (("disk i/o error",),
     "the disk reported an error while reading or writing the database (a removed stick, a network drive "
     "gone, a failing disk). Nothing was saved. Check the disk, then try again."),
    (("unable to open database",),
     "the database file cannot be opened (its folder is missing or not accessible). Check the path."),
    (("malformed", "not a database"),
     "the database file is damaged. Nothing was saved. Restore a backup (File > Restore from backup)."),
)


def sqlite_reason(exc: BaseException) -> str | None:
    """SQLite's own short message of an error (never the statement or its values), or None."""
    original = getattr(exc, "orig", None)
    if isinstance(original, sqlite3.Error):
        return str(original.args[0]) if original.args else type(original).__name__
    if isinstance(exc, sqlite3.Error):
        return str(exc.args[0]) if exc.args else type(exc).__name__
    return None


def is_database_error(exc: BaseException) -> bool:
    return isinstance(exc, SQLAlchemyError | sqlite3.Error)


def database_problem(exc: BaseException) -> str:
    """One message for the user: what happened and what to do; never SQL, never the values written."""
    reason = (sqlite_reason(exc) or "").lower()
    for words, message in _KNOWN:
        if any(w in reason for w in words):
            return message
    kind = type(getattr(exc, "orig", None) or exc).__name__
    return (f"the database refused the operation ({kind}). Nothing was saved. Run 'casebook verify' on the "
            "database; if it reports problems, restore a backup.")
