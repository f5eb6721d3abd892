"""Encrypting an existing plain database, and changing the passphrase of an encrypted one.

Both work on a closed database (the caller holds its lock and has closed every connection), and both
the same way, so that neither ever leaves a file half done: a new copy is written beside the file
(sqlcipher_export, under the new key), checked against it table by table, renamed over it in one step,
and the old content is overwritten with zeros. The database's backups go first (a kill half-way then
leaves the database as it was and some backups already under the new key, never a plain or old-key
backup of a converted database); copies left half-written by a killed backup are zeroed and removed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlcipher3 import dbapi2 as sqlcipher

from storage.record.schema import DatabaseError
from storage.safety import encryption
from storage.safety.anchors import record_anchor
from storage.safety.audit import record_event
from storage.safety.backup import list_backups, stale_partials

_SIDE_FILES = ("-wal", "-shm", "-journal")


class EncryptionError(DatabaseError):
    """The database could not be encrypted or rekeyed; the file was left as it was. The message is for the user."""


@dataclass
class EncryptionReport:
    database: Path
    backups_done: list[Path] = field(default_factory=list)
    backups_left: list[Path] = field(default_factory=list)  # copies that could not be converted: the user is told
    rekeyed: bool = False  # a passphrase change, not a first encryption

    def lines(self) -> list[str]:
        if self.rekeyed:
            said = [f"The passphrase of {self.database.name} was changed; the old one no longer opens it."]
        else:
            said = [f"{self.database.name} is now encrypted (SQLCipher 4, AES-256)."]
        if self.backups_done:
            said.append(f"Its {len(self.backups_done)} backup(s) in {self.backups_done[0].parent} were "
                        + ("changed to the new passphrase too." if self.rekeyed else "converted too."))
        for copy in self.backups_left:
            said.append(f"NOT changed, still opened by the OLD passphrase: {copy}. Delete it, or keep the old "
                        "passphrase with it." if self.rekeyed else
                        f"NOT converted, still readable without the passphrase: {copy}. Delete it or keep it "
                        "on an encrypted medium.")
        said.append("Copies made elsewhere before (Save a copy, exports, hospital IT's disk backups) are not "
                    "touched: they stay as they were.")
        return said


def _checkpoint(path: Path, conn: Any) -> None:
    """Fold the -wal into the file, so that the file alone holds every committed transaction."""
    row = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    if row is not None and row[0] != 0:
        raise EncryptionError(f"{path.name} is in use by another program; close it there and try again.")


def _contents(conn: Any, schema: str = "main") -> dict[str, Any]:
    """Each table's row count and the audit trail's newest hash: what the copy must share with the original."""
    tables = [r[0] for r in conn.execute(f"SELECT name FROM {schema}.sqlite_master WHERE type='table' ORDER BY name")]
    found: dict[str, Any] = {t: conn.execute(f'SELECT count(*) FROM {schema}."{t}"').fetchone()[0] for t in tables}
    if "audit_log" in tables:
        found["audit head"] = conn.execute(f"SELECT hash FROM {schema}.audit_log ORDER BY id DESC LIMIT 1").fetchone()
    found["user_version"] = conn.execute(f"PRAGMA {schema}.user_version").fetchone()[0]
    return found


def _zero_and_close(fd: int) -> None:
    """Overwrite a file's content in place, then let it go (the name already points to the encrypted file).

    On an SSD or a copy-on-write file system the old blocks may survive elsewhere; docs/encryption.md says so."""
    try:
        size = os.fstat(fd).st_size
        os.lseek(fd, 0, os.SEEK_SET)
        chunk = b"\0" * (1 << 20)
        written = 0
        while written < size:
            written += os.write(fd, chunk[: min(len(chunk), size - written)])
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_side_files(path: Path) -> None:
    for suffix in _SIDE_FILES:
        side = path.with_name(path.name + suffix)
        if side.exists():
            _zero_and_close(os.open(side, os.O_RDWR))
            side.unlink()


def _encrypt_file(path: Path, key: bytes, salt: bytes, source_key: bytes | None = None) -> None:
    """Replace one file by a verified encrypted copy keyed with (key, salt); the old content is zeroed.

    ``source_key``: the file's present key (a passphrase change), None for a plain file."""
    partial = path.with_name(path.name + ".encrypting")
    if partial.exists():  # left by an attempt that was killed; the file itself is still whole
        _remove_side_files(partial)
        _zero_and_close(os.open(partial, os.O_RDWR))
        partial.unlink()
    fd = os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    try:
        conn = sqlcipher.connect(str(path))  # no key: SQLCipher reads a plain file as SQLite does
        if source_key is not None:
            conn.execute("PRAGMA cipher_log_level = NONE")
            conn.execute(f"PRAGMA key = \"x'{source_key.hex()}'\"")
        try:
            _checkpoint(path, conn)
            expected = _contents(conn)
            conn.execute("ATTACH DATABASE ? AS encrypted KEY \"x'" + key.hex() + salt.hex() + "'\"", (str(partial),))
            conn.execute("SELECT sqlcipher_export('encrypted')")
            conn.execute(f"PRAGMA encrypted.user_version = {int(expected['user_version'])}")
            conn.commit()
            conn.execute("DETACH DATABASE encrypted")
        finally:
            conn.close()
        check = encryption.create_keyed(partial, key, salt)
        try:
            integrity = check.execute("PRAGMA integrity_check").fetchone()[0]
            if integrity != "ok" or _contents(check) != expected:
                raise EncryptionError(f"The encrypted copy of {path.name} did not match it; {path.name} was not "
                                      "changed.")
            check.execute("PRAGMA journal_mode=WAL")
        finally:
            check.close()
        _remove_side_files(partial)
        plain = os.open(path, os.O_RDWR)
    except encryption.DRIVER_ERRORS as exc:
        partial.unlink(missing_ok=True)
        what = "given its new passphrase" if source_key is not None else "encrypted"
        raise EncryptionError(f"{path.name} could not be {what} ({exc}); it was not changed.") from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    try:
        _remove_side_files(path)  # checkpointed and closed: empty; a stale -wal must never meet the new file
        os.replace(partial, path)  # the one step: the name holds the whole plain or the whole encrypted file
    except BaseException:
        os.close(plain)
        partial.unlink(missing_ok=True)
        raise
    _zero_and_close(plain)


def _record(path: Path, kind: str, detail: dict[str, object]) -> None:
    """The event in the database's own trail (never the passphrase or the key: what was done, by whom, when)."""
    engine = encryption.file_engine(path)
    try:
        with engine.begin() as connection:
            record_event(connection, kind, detail)
    finally:
        engine.dispose()


def encrypt_database(path: Path, passphrase: str) -> EncryptionReport:
    """Encrypt a closed plain database and its backups with a new passphrase (remembered for this process)."""
    path = Path(path).resolve()  # through a symbolic link: the real file is replaced, its backups converted
    if encryption.is_encrypted(path):
        raise EncryptionError(f"{path.name} is encrypted already; use Change passphrase instead.")
    problem = encryption.check_new_passphrase(passphrase)
    if problem:
        raise EncryptionError(problem)
    encryption.inspect_revision(path)  # a Casebook database, readable: else refused before anything is written
    _zero_stale_partials(path)
    backups = [b.path for b in list_backups(path) if not encryption.is_encrypted(b.path)]
    key, salt = encryption.new_key(passphrase)
    encryption.remember(passphrase)  # the backups converted by a killed earlier attempt open with it
    report = EncryptionReport(path)
    for copy in backups:  # first: a kill after this leaves no plain backup of an encrypted database
        try:
            _encrypt_file(copy, key, salt)
            report.backups_done.append(copy)
        except encryption.COPY_ERRORS:  # DatabaseError is among them
            report.backups_left.append(copy)
    _encrypt_file(path, key, salt)
    _record(path, "encrypted", {"cipher": "SQLCipher 4 (AES-256, HMAC-SHA512, PBKDF2-HMAC-SHA512 256,000 rounds)",
                                "backups_encrypted": len(report.backups_done), "backups_left_plain": len(report.backups_left)})
    record_anchor(path, "encrypted")
    return report


def _zero_stale_partials(path: Path) -> None:
    """Half-written copies of killed backups hold the study as it was (plain, or under the old key): zeroed."""
    for partial in stale_partials(path):
        _remove_side_files(partial)
        _zero_and_close(os.open(partial, os.O_RDWR))
        partial.unlink()


def _rekey_file(path: Path, new: str) -> None:
    """A verified copy under the new passphrase (same salt) replaces the file, as encrypting does; not
    PRAGMA rekey, whose one long rollback-journal transaction, if killed, leaves a hot journal that no
    read-only check can roll back (both passphrases would then look wrong until it is)."""
    old_key, salt = encryption.key_of(path)  # the remembered (old) passphrase
    _encrypt_file(path, encryption.derive(new, salt), salt, source_key=old_key)


def change_passphrase(path: Path, old: str, new: str, repeated: str | None = None) -> EncryptionReport:
    """A copy of the closed encrypted database under the new passphrase replaces it, after each of its backups
    was changed the same way. Raises WrongPassphrase for ``old``."""
    path = Path(path).resolve()
    if not encryption.is_encrypted(path):
        raise EncryptionError(f"{path.name} is not encrypted; use Encrypt this database instead.")
    problem = encryption.check_new_passphrase(new, repeated)
    if problem:
        raise EncryptionError(problem)
    encryption.unlock(path, old)
    encryption.remember(new)  # backups changed by a killed earlier attempt open with it
    _zero_stale_partials(path)
    backups = [b.path for b in list_backups(path) if encryption.is_encrypted(b.path)]
    report = EncryptionReport(path, rekeyed=True)
    for copy in backups:  # first: a kill after this leaves the database on the old passphrase, all readable
        try:
            _rekey_file(copy, new)
            report.backups_done.append(copy)
        except encryption.COPY_ERRORS:  # DatabaseError is among them
            report.backups_left.append(copy)
    try:
        _rekey_file(path, new)  # last: until this rename the old passphrase opens the database
    except encryption.DRIVER_ERRORS as exc:
        raise EncryptionError(f"The passphrase of {path.name} could not be changed ({exc}); the old one still "
                              "opens it.") from exc
    encryption.forget(old)
    _record(path, "passphrase changed", {"backups_rekeyed": len(report.backups_done),
                                         "backups_left_with_the_old_passphrase": len(report.backups_left)})
    record_anchor(path, "passphrase changed")
    return report
