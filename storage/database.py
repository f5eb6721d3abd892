"""Opening, creating and upgrading a Casebook database file.

A file is inspected read-only before anything writes to it: a file that is not a Casebook
database, or a corrupt one, is refused and left byte-identical. An older schema is backed up,
then upgraded by Alembic; a newer one is refused, since this app cannot know its rules.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from storage.record import rules  # noqa: F401  (register the audit trail and the integrity rules on every Session)

SQLITE_HEADER = b"SQLite format 3\x00"


class DatabaseError(Exception):
    """A database cannot be opened; the message is for the user."""


class NotACasebookDatabase(DatabaseError):
    pass


class DatabaseTooNew(DatabaseError):
    pass


@dataclass
class Database:
    path: Path
    engine: Engine
    sessions: sessionmaker[Session]
    upgraded_from: str | None = None
    backup_path: Path | None = None

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One session and one transaction per user action: commit on success, roll back on error."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def close(self) -> None:
        self.engine.dispose()


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    # SQLite leaves foreign keys off unless asked, per connection. WAL lets a reader
    # (the analysis) run while the form writes, and survives a crash mid-transaction.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}", future=True)
    event.listen(engine, "connect", _on_connect)
    return engine


def _migrations_config(engine: Engine) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "record" / "migrations"))
    cfg.attributes["engine"] = engine
    return cfg


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
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
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


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(_migrations_config(engine), revision)


def _backup_before_upgrade(path: Path, revision: str) -> Path:
    from storage.safety.backup import backup_database

    return backup_database(path, f"before-upgrade-from-{revision}")


def create_database(path: Path) -> Database:
    """A new, empty database at the current schema. Refuses to touch an existing file."""
    path = Path(path)
    if path.exists():
        raise DatabaseError(f"{path} already exists; Casebook will not overwrite it.")
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(path)
    try:
        upgrade(engine)
    except Exception:
        engine.dispose()
        path.unlink(missing_ok=True)
        raise
    return Database(path, engine, sessionmaker(engine, expire_on_commit=False))


def open_database(path: Path, create: bool = False, backup: bool = True) -> Database:
    """Open an existing database (upgrading an older schema after a backup), or create one.

    Opening backs the file up first (storage.safety.backup, rotated in a backups folder beside it)
    unless ``backup`` is False; a schema upgrade always backs up.
    """
    path = Path(path)
    if not path.exists():
        if create:
            return create_database(path)
        raise DatabaseError(f"There is no database at {path}.")
    revision = inspect_revision(path)
    head = head_revision()
    if revision != head and revision not in known_revisions():
        raise DatabaseTooNew(
            f"{path.name} was written by a newer version of Casebook (schema {revision}); "
            "update Casebook to open it. The file was not changed."
        )
    engine = make_engine(path)
    db = Database(path, engine, sessionmaker(engine, expire_on_commit=False))
    if revision != head:
        db.backup_path = _backup_before_upgrade(path, revision)
        upgrade(engine)
        db.upgraded_from = revision
    elif backup:
        from storage.safety.backup import backup_database

        db.backup_path = backup_database(path, "on-opening")
    return db
