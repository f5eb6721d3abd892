"""Opening, creating and upgrading a Casebook database file.

A file is inspected read-only before anything writes to it: a file that is not a Casebook
database, or a corrupt one, is refused and left byte-identical. An older schema is backed up,
then upgraded by Alembic; a newer one is refused, since this app cannot know its rules.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from storage.record import rules  # noqa: F401  (registers the integrity rules on every Session)
from storage.record.schema import (  # re-exported: callers open and inspect through storage.database
    SCHEMA_REVISIONS,
    DatabaseError,
    DatabaseHardLinked,
    DatabaseNeedsUpgrade,
    DatabaseTooNew,
    NotACasebookDatabase,
    head_revision,
    inspect_revision,
    known_revisions,
    refuse_hard_links,
)
from storage.safety import audit  # (also registers the audit trail on every Session)
from storage.safety.anchors import record_anchor
from storage.safety.backup import backup_database

__all__ = ["SCHEMA_REVISIONS", "Database", "DatabaseError", "DatabaseHardLinked", "DatabaseNeedsUpgrade",
           "DatabaseTooNew", "NotACasebookDatabase", "create_database", "create_owner_only", "head_revision", "inspect_revision", "known_revisions", "open_database", "upgrade"]

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
    # hide_parameters: an error's text (a busy, read-only or full disk) must never carry the values of
    # the statement, which are names, hospital numbers or the re-identification key. URL.create: a path
    # with # or ? is a file name, not a URL's query or fragment.
    engine = create_engine(URL.create("sqlite", database=str(path)), future=True, hide_parameters=True)
    event.listen(engine, "connect", _on_connect)
    return engine


OWNER_ONLY = 0o600


def create_owner_only(path: Path) -> None:
    """Create an empty file readable and writable by its owner only, whatever the umask.

    SQLite then uses the empty file as a new database and gives its -wal and -shm files the same mode.
    """
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, OWNER_ONLY)
    try:
        os.fchmod(fd, OWNER_ONLY)  # the umask may have taken bits away, never added; fchmod sets exactly
    finally:
        os.close(fd)


def _migrations_config(engine: Engine) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "record" / "migrations"))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(_migrations_config(engine), revision)


def _backup_before_upgrade(path: Path, revision: str) -> Path:
    return backup_database(path, f"before-upgrade-from-{revision}")


def _record_upgrade(engine: Engine, revision: str) -> None:
    """The upgrade in the trail, with the newest record of each table then: records up to those were
    stored before the trail started (schema 0001 had none), so verify does not ask for their creation."""
    from storage.record.models import Base, StudyInfo

    with engine.begin() as connection:
        baseline: dict[str, int] = {}
        for table in Base.metadata.sorted_tables:
            if table.name != StudyInfo.__tablename__ and "id" in table.c:
                baseline[table.name] = int(connection.exec_driver_sql(
                    f"SELECT coalesce(max(id), 0) FROM {table.name}").scalar() or 0)
        audit.record_event(connection, "upgrade", {"from": revision, "to": head_revision(), "baseline": baseline})


def create_database(path: Path) -> Database:
    """A new, empty database at the current schema. Refuses to touch an existing file."""
    path = Path(path)
    if path.exists():
        raise DatabaseError(f"{path} already exists; Casebook will not overwrite it.")
    path.parent.mkdir(parents=True, exist_ok=True)
    create_owner_only(path)
    engine = make_engine(path)
    try:
        upgrade(engine)
        with engine.begin() as connection:  # the first entry: this trail's identity from the start
            audit.record_event(connection, "created", {"schema": head_revision(), "nonce": os.urandom(16).hex()})
    except Exception:
        engine.dispose()
        for leftover in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm", "-journal"))):
            leftover.unlink(missing_ok=True)
        raise
    record_anchor(path, "created")
    return Database(path, engine, sessionmaker(engine, expire_on_commit=False))


def open_database(path: Path, create: bool = False, backup: bool = True, upgrade_schema: bool = True) -> Database:
    """Open an existing database (upgrading an older schema after a backup), or create one.

    Opening backs the file up first (storage.safety.backup, rotated in a backups folder beside it)
    unless ``backup`` is False; a schema upgrade always backs up. A command that only reads passes
    ``upgrade_schema=False``: an older schema is then refused (DatabaseNeedsUpgrade) and nothing written.
    """
    path = Path(path)
    if not path.exists():
        if create:
            return create_database(path)
        raise DatabaseError(f"There is no database at {path}.")
    refuse_hard_links(path)
    revision = inspect_revision(path)
    head = head_revision()
    if revision != head and revision not in known_revisions():
        raise DatabaseTooNew(
            f"{path.name} was written by a newer version of Casebook (schema {revision}); "
            "update Casebook to open it. The file was not changed."
        )
    if revision != head and not upgrade_schema:
        raise DatabaseNeedsUpgrade(
            f"{path.name} has the older schema {revision} (this Casebook: {head}). This command only reads, so it "
            "does not upgrade the file and wrote nothing. Open the database once in the Casebook window (it backs "
            "the file up, then upgrades it), then run the command again."
        )
    engine = make_engine(path)
    db = Database(path, engine, sessionmaker(engine, expire_on_commit=False))
    if revision != head:
        db.backup_path = _backup_before_upgrade(path, revision)
        upgrade(engine)
        _record_upgrade(engine, revision)
        record_anchor(path, f"upgrade from {revision}")
        db.upgraded_from = revision
    elif backup:
        db.backup_path = backup_database(path, "on-opening")
    return db
