"""Automatic backups in a ``backups`` folder next to the database, and restoring one.

Copies are made with SQLite's online backup API: a live database in WAL mode keeps recent transactions
in its -wal file, which a plain file copy would miss or tear. An encrypted database is the exception: its
ciphertext is copied byte for byte, but only under its write lock with the WAL empty
(storage.safety.encryption.copy_ciphertext), else with the backup API too.
Rotation treats two classes of copies separately, so that many routine copies (on opening, manual)
never push out the copies taken before a change to the data (before an import, an upgrade or a
restore): of each class it keeps the 10 newest plus the newest of each day of the last 31 days.

Backups are keyed to their database: a copy's name starts with the database's full file name
(``trial.db`` and ``trial.sqlite`` in one folder never share copies), and a copy whose study identity
(the hash of its first audit entry) differs from the database's is never listed, offered or rotated.
Copies are owner-only, as the database is, whatever the umask.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

from storage.safety import encryption
from storage.safety.anchors import record_anchor, trail_head
from storage.safety.audit import record_event

KEEP_LATEST = 10
KEEP_DAYS = 31
OWNER_ONLY = 0o600
# <database file name>--<stamp>-<reason>.db; "--" cannot end a database's own name here.
_NAME = re.compile(r"^(?P<database>.+)--(?P<stamp>\d{8}-\d{6}-\d{6})-(?P<reason>[a-z0-9-]+)\.db$")


class BackupError(Exception):
    """A backup cannot be made or restored; the message is for the user."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    taken_at: dt.datetime
    reason: str
    size: int

    def describe(self) -> str:
        return f"{self.taken_at:%Y-%m-%d %H:%M:%S} ({self.reason.replace('-', ' ')}, {self.size / 1e6:.1f} MB)"


def backup_folder(database: Path) -> Path:
    return Path(database).resolve().parent / "backups"


def study_identity(path: Path) -> str | None:
    """What tells one study's database from another's: the hash of its first audit entry (None before one)."""
    try:
        conn = encryption.connect(path, read_only=True)
    except encryption.OPEN_ERRORS:
        return None
    try:
        row = conn.execute("SELECT hash FROM audit_log ORDER BY id LIMIT 1").fetchone()
    except encryption.DRIVER_ERRORS:
        return None
    finally:
        conn.close()
    return None if row is None else str(row[0])


def _owner_only_file(path: Path) -> None:
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, OWNER_ONLY)
    try:
        if hasattr(os, "fchmod"):  # POSIX; on Windows the file inherits the folder's access list
            os.fchmod(fd, OWNER_ONLY)
    finally:
        os.close(fd)


def _copy(source: Path, target: Path, ciphertext: bool = False) -> None:
    _owner_only_file(target)  # an empty file is a new SQLite database; its mode stays the owner's only
    if ciphertext and encryption.is_encrypted(source) and encryption.copy_ciphertext(source, target):
        return
    src = encryption.connect(source, read_only=True)
    try:
        dst = encryption.connect_copy_target(source, target)  # an encrypted study's copies are encrypted alike
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def copy_database(database: Path, target: Path) -> Path:
    """A consistent copy of the database at a place the user chose (e.g. an encrypted USB stick).

    Refuses to overwrite an existing file; a copy interrupted half-way leaves nothing behind.
    """
    database, target = Path(database), Path(target)
    if target.exists():
        raise BackupError(f"{target} already exists; choose a new file name for the copy.")
    if target.resolve() == database.resolve():
        raise BackupError("The copy must go to another file than the open database.")
    partial = target.with_name(target.name + ".partial")
    try:
        partial.unlink(missing_ok=True)  # left by a copy that was killed
        _copy(database, partial)
        partial.replace(target)
    except encryption.COPY_ERRORS as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"Could not copy {database.name} to {target}: {exc}") from exc
    return target


def backup_database(database: Path, reason: str, rotate_now: bool = True) -> Path:
    """A consistent copy of the database in its backups folder; older copies are then rotated (unless
    rotate_now is False: the caller rotates once the change the copy precedes is committed, or discards it)."""
    database = Path(database)
    folder = backup_folder(database)
    folder.mkdir(mode=0o700, exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", reason.lower()).strip("-") or "manual"
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = folder / f"{database.resolve().name}--{stamp}-{slug}.db"
    partial = target.with_suffix(".partial")
    remove_stale_partials(database)
    try:
        _copy(database, partial, ciphertext=True)
        partial.replace(target)  # a copy interrupted half-way never looks like a backup
    except encryption.COPY_ERRORS as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"Could not back up {database.name} to {folder}: {exc}") from exc
    record_anchor(database, f"backup ({slug})", trail_head(target))
    if rotate_now:
        rotate(database)
    return target


def discard_backup(backup: Path) -> None:
    """Remove a copy taken before a change that was rolled back: it only repeats the database as it is, and
    kept, it would push older copies out of the rotation."""
    backup.unlink(missing_ok=True)
    encryption.remove_empty_side_files(backup)


def list_backups(database: Path) -> list[BackupInfo]:
    """Backups of this database (its full name and its study identity), newest first."""
    database = Path(database).resolve()
    folder = backup_folder(database)
    found = []
    if folder.is_dir():
        identity = study_identity(database) if database.exists() else None
        for path in folder.iterdir():
            match = _NAME.match(path.name)
            if not match or match["database"] != database.name:
                continue
            if identity is not None and study_identity(path) not in (identity, None):
                continue  # another study's copy under this name (a database replaced by another one)
            taken = dt.datetime.strptime(match["stamp"], "%Y%m%d-%H%M%S-%f")
            found.append(BackupInfo(path, taken, match["reason"], path.stat().st_size))
    return sorted(found, key=lambda b: b.taken_at, reverse=True)


def before_change(backup: BackupInfo) -> bool:
    """A copy taken before an operation that changes the data (import, upgrade, restore)."""
    return backup.reason.startswith("before-")


def _keep_of_class(backups: list[BackupInfo], now: dt.datetime) -> set[Path]:
    keep = {b.path for b in backups[:KEEP_LATEST]}
    days_seen: set[dt.date] = set()
    for b in backups:  # newest first, so the first one seen of a day is that day's newest
        day = b.taken_at.date()
        if (now - b.taken_at).days < KEEP_DAYS and day not in days_seen:
            keep.add(b.path)
        days_seen.add(day)
    return keep


def backups_to_keep(backups: list[BackupInfo], now: dt.datetime | None = None) -> set[Path]:
    """Of the routine copies and, separately, of those taken before a change: the 10 newest and each day's newest."""
    now = now or dt.datetime.now()
    protected = [b for b in backups if before_change(b)]
    routine = [b for b in backups if not before_change(b)]
    return _keep_of_class(protected, now) | _keep_of_class(routine, now)


def stale_partials(database: Path) -> list[Path]:
    """Copies of this database that a killed backup left half-written (never listed as backups)."""
    database = Path(database).resolve()
    folder = backup_folder(database)
    if not folder.is_dir():
        return []
    prefix = f"{database.name}--"
    return sorted(p for p in folder.iterdir() if p.name.startswith(prefix) and p.name.endswith(".partial"))


def remove_stale_partials(database: Path) -> None:
    """Remove what killed backups left (the caller holds the database's lock, so none is being written)."""
    for partial in stale_partials(database):
        for side in (partial, *(partial.with_name(partial.name + s) for s in ("-wal", "-shm", "-journal"))):
            side.unlink(missing_ok=True)


def rotate(database: Path, now: dt.datetime | None = None) -> list[Path]:
    """Delete backups beyond the rotation; returns the deleted paths. Also removes the empty side files
    (-shm, empty -wal) that reading a backup leaves beside it."""
    backups = list_backups(database)
    keep = backups_to_keep(backups, now)
    removed = []
    for b in backups:
        if b.path not in keep:
            b.path.unlink(missing_ok=True)
            removed.append(b.path)
        encryption.remove_empty_side_files(b.path)
    return removed


def restore_backup(backup: Path, database: Path) -> Path:
    """Put a backup's content into the database file; the current state is backed up first.

    Close every connection of the app to ``database`` before, and reopen it after. The backup
    is checked to be a readable Casebook database before anything is overwritten. Returns the
    safety copy of the state before the restore.
    """
    from storage.record.schema import DatabaseError

    backup, database = Path(backup), Path(database)
    try:
        encryption.inspect_revision(backup)
    except DatabaseError as exc:
        raise BackupError(f"{backup.name} cannot be restored: {exc}") from exc
    if database.exists() and encryption.is_encrypted(database) != encryption.is_encrypted(backup):
        raise BackupError(f"{backup.name} cannot be restored into {database.name}: one is encrypted, the other "
                          "is not. Open the copy as a database of its own instead.")
    if encryption.is_encrypted(backup) and database.exists() and (
            encryption.key_of(backup) != encryption.key_of(database)):
        raise BackupError(f"{backup.name} has another passphrase than {database.name}; open it as a database of "
                          "its own with its passphrase instead.")
    safety = backup_database(database, "before-restore") if database.exists() else database
    src = encryption.connect(backup, read_only=True)
    try:
        dst = encryption.connect(database) if database.exists() else encryption.connect_copy_target(backup, database)
        try:
            src.backup(dst)  # writes page by page inside one transaction of the target
        finally:
            dst.close()
    except encryption.DRIVER_ERRORS as exc:
        raise BackupError(f"Restoring {backup.name} failed ({exc}); {database.name} was not changed.") from exc
    finally:
        src.close()
    _record_restore(database, backup, safety)
    return safety


def _record_restore(database: Path, backup: Path, safety: Path) -> None:
    """The restore in the restored trail, naming the copy that keeps the trail it replaced; then an anchor."""
    from sqlalchemy import text

    replaced = trail_head(safety) if safety != database else None
    engine = encryption.file_engine(database)
    try:
        with engine.begin() as connection:
            if connection.execute(text("SELECT 1 FROM sqlite_master WHERE name='audit_log'")).first():
                record_event(connection, "restore", {
                    "restored_from": backup.name,
                    "replaced_trail_kept_in": safety.name if safety != database else None,
                    "replaced_trail_head": None if replaced is None else {"entry": replaced.entry,
                                                                          "hash": replaced.hash}})
    finally:
        engine.dispose()
    record_anchor(database, f"restore from {backup.name}")
