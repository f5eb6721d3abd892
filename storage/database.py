"""Opening, creating and upgrading a Casebook database file.

A file is inspected read-only before anything writes to it: a file that is not a Casebook
database, or a corrupt one, is refused and left byte-identical. An older schema is backed up,
then upgraded by Alembic; a newer one is refused, since this app cannot know its rules.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
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
    known_revisions,
    refuse_hard_links,
)
from storage.safety import (
    audit,  # (also registers the audit trail on every Session)
    encryption,
)
from storage.safety.anchors import record_anchor
from storage.safety.backup import BackupError, backup_database
from storage.safety.encryption import inspect_revision  # re-exported: plain and encrypted files alike
from storage.safety.reasons import REASON_PROMPT_KEY

__all__ = ["SCHEMA_REVISIONS", "Database", "DatabaseError", "DatabaseHardLinked", "DatabaseNeedsUpgrade",
           "DatabaseTooNew", "NotACasebookDatabase", "create_database", "create_owner_only", "head_revision", "inspect_revision", "known_revisions", "open_database", "upgrade"]

@dataclass
class Database:
    path: Path
    engine: Engine
    sessions: sessionmaker[Session]
    upgraded_from: str | None = None
    backup_path: Path | None = None
    # Asked for the reason of a change to a saved case when none was given (storage.safety.reasons);
    # the window installs one that shows a dialog. Called as reason_prompt(what_changed, required).
    reason_prompt: Callable[[str, bool], str | None] | None = None
    _audit_context: dict[str, Any] = field(default_factory=dict)

    @contextmanager
    def audit_context(self, reason: str | None = None, event: str | None = None) -> Iterator[None]:
        """Every session opened inside records this reason, and marks its changes as an undo or a redo."""
        before = dict(self._audit_context)
        self._audit_context.update({k: v for k, v in ((audit.REASON_KEY, reason), (audit.EVENT_KEY, event))
                                    if v is not None})
        try:
            yield
        finally:
            self._audit_context.clear()
            self._audit_context.update(before)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One session and one transaction per user action: commit on success, roll back on error."""
        session = self.sessions()
        session.info.update(self._audit_context)
        if self.reason_prompt is not None:
            session.info[REASON_PROMPT_KEY] = self.reason_prompt
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


def make_engine(path: Path, passphrase: str | None = None) -> Engine:
    # hide_parameters: an error's text (a busy, read-only or full disk) must never carry the values of
    # the statement, which are names, hospital numbers or the re-identification key. URL.create: a path
    # with # or ? is a file name, not a URL's query or fragment.
    if passphrase is not None and encryption.is_encrypted(path):
        encryption.unlock(path, passphrase)
    if encryption.is_encrypted(path):  # keyed from this process's memory (storage.safety.encryption)
        engine = encryption.file_engine(path)
    else:
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
        if hasattr(os, "fchmod"):  # POSIX; on Windows the file inherits the folder's access list
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


def create_database(path: Path, passphrase: str | None = None) -> Database:
    """A new, empty database at the current schema, encrypted with ``passphrase`` if one is given.

    Refuses to touch an existing file."""
    path = Path(path)
    if path.exists():
        raise DatabaseError(f"{path} already exists; Casebook will not overwrite it.")
    path.parent.mkdir(parents=True, exist_ok=True)
    create_owner_only(path)
    if passphrase is not None:
        encryption.create_encrypted_file(path, passphrase)
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


def open_database(path: Path, create: bool = False, backup: bool = True, upgrade_schema: bool = True,
                  passphrase: str | None = None) -> Database:
    """Open an existing database (upgrading an older schema after a backup), or create one.

    Opening backs the file up first (storage.safety.backup, rotated in a backups folder beside it)
    unless ``backup`` is False; a schema upgrade always backs up. A command that only reads passes
    ``upgrade_schema=False``: an older schema is then refused (DatabaseNeedsUpgrade) and nothing written.
    An encrypted file opens with ``passphrase`` or one this process remembers (PassphraseNeeded,
    WrongPassphrase otherwise, before a byte is written).
    """
    path = Path(path)
    if not path.exists():
        if create:
            return create_database(path, passphrase)
        raise DatabaseError(f"There is no database at {path}.")
    refuse_hard_links(path)
    revision = encryption.inspect_revision(path, passphrase)
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
        try:
            db.backup_path = _backup_before_upgrade(path, revision)
        except BackupError as exc:
            engine.dispose()
            raise DatabaseError(f"{path.name} was not upgraded or opened: the backup before the upgrade "
                                f"failed ({exc}). Free disk space or make the folder writable, then open it again.") from exc
        upgrade(engine)
        _record_upgrade(engine, revision)
        record_anchor(path, f"upgrade from {revision}")
        db.upgraded_from = revision
    elif backup:
        try:
            db.backup_path = backup_database(path, "on-opening")
        except BackupError as exc:  # a writer that cannot back up would work without a safety net
            engine.dispose()
            raise DatabaseError(f"{path.name} was not opened for writing: the backup taken on opening failed "
                                f"({exc}). Free disk space or make the backups folder writable; or open the "
                                "database read-only.") from exc
    return db
