"""Errors of the database turned into what happened and what to do, without SQL or its values.

SQLAlchemy's text of an error holds the statement and, unless the engine hides them, its parameters:
a patient's name, a hospital number, the re-identification key. Nothing from that text is shown; only
SQLite's own short reason is recognised and translated.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import SQLAlchemyError

from storage.record.schema import SQLITE_PROBLEMS

_KNOWN = (*SQLITE_PROBLEMS,
          (("malformed", "not a database"),
           "the database file is damaged. Nothing was saved. Restore a backup (File > Restore from backup)."))


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
