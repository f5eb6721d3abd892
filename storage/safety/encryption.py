"""Encrypted study databases (SQLCipher 4: AES-256 pages, HMAC-SHA512, PBKDF2-HMAC-SHA512 256,000 rounds).

An encrypted file has no SQLite header: its first 16 bytes are the random salt, the rest is
ciphertext. It is recognised by that missing header and read only with the passphrase.

The passphrase lives in this process's memory only (``remember``): never in a file, the settings,
a log or the audit trail. Deriving a key from it costs about half a second by design, so the
derived key is kept in memory per file salt, and every copy of a study (its backups) is keyed with
the database's own key and salt: one derivation per opening, however many copies are read.
"""

from __future__ import annotations

import getpass
import hashlib
import os
import secrets
import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlcipher3 import dbapi2 as sqlcipher

from storage.record.schema import SQLITE_HEADER, DatabaseError, NotACasebookDatabase, read_only_uri
from storage.record.schema import inspect_revision as inspect_plain_or_with

if TYPE_CHECKING:
    from sqlalchemy import Engine

KDF_ROUNDS = 256_000  # SQLCipher 4's default; the key derived here opens the file in any SQLCipher 4 tool
SALT_BYTES = 16
ENVIRONMENT_VARIABLE = "CASEBOOK_PASSPHRASE"
MIN_LENGTH = 10
# Errors of either driver: sqlcipher3 raises its own classes, not sqlite3's.
DRIVER_ERRORS: tuple[type[Exception], ...] = (sqlite3.Error, sqlcipher.Error)

_passphrases: list[str] = []  # this process only
_from_environment: str | None = None  # $CASEBOOK_PASSPHRASE, once read (and removed from the environment)
_keys: dict[tuple[str, bytes], bytes] = {}


class PassphraseNeeded(NotACasebookDatabase):
    """The file is encrypted (or random bytes) and no passphrase known to this process opens it."""


class WrongPassphrase(NotACasebookDatabase):
    """The passphrase given does not open the file; nothing was written."""


# What opening a file for reading can raise: a driver's error, or no passphrase that opens it.
OPEN_ERRORS: tuple[type[Exception], ...] = (*DRIVER_ERRORS, DatabaseError)
COPY_ERRORS: tuple[type[Exception], ...] = (*OPEN_ERRORS, OSError)


def is_encrypted(path: Path) -> bool:
    """Whole pages without SQLite's header: an encrypted file (or random bytes, which only a passphrase tells apart)."""
    try:
        size = Path(path).stat().st_size
        with Path(path).open("rb") as fh:
            header = fh.read(len(SQLITE_HEADER))
    except OSError:
        return False
    return size >= 512 and size % 512 == 0 and header != SQLITE_HEADER


def check_new_passphrase(passphrase: str, repeated: str | None = None) -> str | None:
    """Why a new passphrase is refused, or None."""
    if len(passphrase) < MIN_LENGTH:
        return f"passphrase: at least {MIN_LENGTH} characters (a few words are easier to keep than symbols)"
    if passphrase != passphrase.strip():
        return "passphrase: no spaces at its start or end (they are easily lost when typed again)"
    if repeated is not None and repeated != passphrase:
        return "passphrase: the two entries differ"
    return None


def remember(passphrase: str) -> None:
    """Keep a passphrase for this process (the database and its backups are opened with it)."""
    if passphrase and passphrase not in _passphrases:
        _passphrases.insert(0, passphrase)


def forget_all() -> None:
    """Drop every passphrase and derived key from memory (closing a study; tests)."""
    global _from_environment
    _from_environment = None
    _passphrases.clear()
    _keys.clear()


def forget(passphrase: str) -> None:
    """Drop one passphrase and its derived keys (after it was changed)."""
    if passphrase in _passphrases:
        _passphrases.remove(passphrase)
    for known in [k for k in _keys if k[0] == passphrase]:
        del _keys[known]


def derive(passphrase: str, salt: bytes) -> bytes:
    key = _keys.get((passphrase, salt))
    if key is None:
        key = hashlib.pbkdf2_hmac("sha512", passphrase.encode("utf-8"), salt, KDF_ROUNDS, 32)
        _keys[(passphrase, salt)] = key
    return key


def salt_of(path: Path) -> bytes:
    with Path(path).open("rb") as fh:
        return fh.read(SALT_BYTES)


def _keyed(target: str, uri: bool, key_pragma: str) -> Any:
    conn = sqlcipher.connect(target, uri=uri, check_same_thread=False)
    conn.execute("PRAGMA cipher_log_level = NONE")  # a wrong key is our message, not SQLCipher's stderr
    conn.execute(key_pragma)
    return conn


def _try_key(path: Path, key: bytes, read_only: bool) -> Any | None:
    target, uri = (read_only_uri(path), True) if read_only else (str(path), False)
    conn = _keyed(target, uri, f"PRAGMA key = \"x'{key.hex()}'\"")
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher.DatabaseError:
        conn.close()
        return None
    return conn


def key_of(path: Path, passphrase: str | None = None) -> tuple[bytes, bytes]:
    """The (key, salt) that opens an encrypted file: the passphrase given, or one this process knows."""
    salt = salt_of(path)
    candidates = [passphrase] if passphrase is not None else list(_passphrases)
    for candidate in candidates:
        key = derive(candidate, salt)
        conn = _try_key(path, key, read_only=True)
        if conn is not None:
            conn.close()
            return key, salt
    name = Path(path).name
    if passphrase is not None:
        raise WrongPassphrase(f"{name}: the passphrase is not the one of this database (or the file is not a "
                              "Casebook database). Nothing was written to the file.")
    raise PassphraseNeeded(f"{name} is not a Casebook database, or it is an encrypted one: give its passphrase (in the window's dialog, or on the command "
                           f"line with --passphrase-prompt or {ENVIRONMENT_VARIABLE}).")


def unlock(path: Path, passphrase: str) -> None:
    """Check that the passphrase opens the file, then remember it. Raises WrongPassphrase; writes nothing."""
    key_of(path, passphrase)
    remember(passphrase)


def connect(path: Path, read_only: bool = False) -> Any:
    """A DB-API connection to a database file: plain sqlite3 for a plain file, SQLCipher keyed for an encrypted one."""
    path = Path(path)
    if not is_encrypted(path):
        return sqlite3.connect(read_only_uri(path), uri=True) if read_only else sqlite3.connect(path)
    key, _salt = key_of(path)
    conn = _try_key(path, key, read_only)
    if conn is None:  # cannot happen unless the file changed between the two reads
        raise PassphraseNeeded(f"{path.name} could not be opened with its key.")
    return conn


def create_keyed(path: Path, key: bytes, salt: bytes) -> Any:
    """A connection that makes ``path`` (an empty file) a new database encrypted with this key and salt."""
    return _keyed(str(path), False, f"PRAGMA key = \"x'{key.hex()}{salt.hex()}'\"")


def create_encrypted_file(path: Path, passphrase: str) -> None:
    """Make the empty file ``path`` an empty database encrypted with a new salt, and remember the passphrase."""
    conn = create_keyed(path, *new_key(passphrase))
    try:
        conn.execute("CREATE TABLE casebook_first_page (x)")  # the salt and the first page, on disk now
        conn.execute("DROP TABLE casebook_first_page")
        conn.commit()
    finally:
        conn.close()
    remember(passphrase)


def connect_copy_target(source: Path, target: Path) -> Any:
    """A connection to a new (empty) copy target, encrypted like ``source``, or plain if the source is plain."""
    if not is_encrypted(source):
        return sqlite3.connect(target)
    return create_keyed(target, *key_of(source))


def copy_ciphertext(source: Path, target: Path) -> bool:
    """Copy an encrypted database's file as it is, its pages still encrypted with the same key and salt.

    SQLite's backup API would decrypt every page and encrypt it again (about three times the time of a
    plain copy at 50,000 cases). A file copy is a consistent database only when nothing is in the WAL and
    nobody can commit during it: so the WAL is checkpointed into the file and emptied, the write lock is
    taken, the WAL is seen to be still empty, and only then are the bytes copied (into ``target``, an
    existing owner-only file) and synced. False when that cannot be had at once (another connection reads
    or writes, the file is read-only): the caller then uses the backup API, which works under any load.
    """
    source = Path(source).resolve()  # SQLite keeps the WAL beside the real file, not beside a symbolic link
    key, _salt = key_of(source)
    conn = _try_key(source, key, read_only=False)
    if conn is None:
        return False
    conn.isolation_level = None  # BEGIN and ROLLBACK by hand
    wal = source.with_name(source.name + "-wal")
    try:
        conn.execute("PRAGMA busy_timeout = 0")
        busy, frames, _done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy or frames > 0:
            return False
        conn.execute("BEGIN IMMEDIATE")  # no other connection can commit until the ROLLBACK below
        try:
            if wal.exists() and wal.stat().st_size > 0:
                return False  # a commit came between the checkpoint and the lock
            fd = os.open(target, os.O_WRONLY | os.O_TRUNC)
            with source.open("rb") as src, os.fdopen(fd, "wb") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
                dst.flush()
                os.fsync(dst.fileno())
        finally:
            conn.execute("ROLLBACK")
    except (sqlcipher.Error, OSError):
        return False
    finally:
        conn.close()
    check = _try_key(Path(target), key, read_only=True)  # the copy opens with the database's own key
    if check is None:
        return False
    check.close()
    remove_empty_side_files(Path(target))
    return True


def remove_empty_side_files(path: Path) -> None:
    """The -shm and an empty -wal that reading a closed copy leaves beside it (they hold nothing)."""
    for suffix in ("-shm", "-wal"):
        side = Path(path).with_name(Path(path).name + suffix)
        try:
            if suffix == "-shm" or side.stat().st_size == 0:
                side.unlink()
        except OSError:
            pass


def new_key(passphrase: str) -> tuple[bytes, bytes]:
    salt = secrets.token_bytes(SALT_BYTES)
    return derive(passphrase, salt), salt


def inspect_revision(path: Path, passphrase: str | None = None) -> str:
    """The schema revision of a plain or an encrypted file, read without writing a byte to it."""
    path = Path(path)
    if not is_encrypted(path):
        return inspect_plain_or_with(path)
    if passphrase is not None:
        unlock(path, passphrase)
    key_of(path)  # PassphraseNeeded with its message, before any SQL
    return inspect_plain_or_with(path, connect=_connect_for_the_check)


CHECK_CACHE_KB = 256 * 1024


def _connect_for_the_check(path: Path) -> Any:
    """Read-only, with a page cache as large as the file (at most 256 MB, freed when it closes): the integrity
    check then decrypts each page once (about a sixth faster at 50,000 cases than with the default 8 MB)."""
    conn = connect(path, read_only=True)
    size_kb = Path(path).stat().st_size // 1024 + 1024
    conn.execute(f"PRAGMA cache_size = -{min(size_kb, CHECK_CACHE_KB)}")
    return conn


def file_engine(path: Path, read_only: bool = False) -> Engine:
    """A SQLAlchemy engine over ``connect``: the SQLCipher driver's errors are then SQLAlchemy's errors too."""
    from sqlalchemy import URL, create_engine
    from sqlalchemy.pool import NullPool, QueuePool

    path = Path(path)
    url = URL.create("sqlite", database=str(path))
    if not is_encrypted(path):
        if read_only:
            return create_engine("sqlite://", creator=lambda: connect(path, read_only=True),
                                 hide_parameters=True, poolclass=NullPool)
        return create_engine(url, future=True, hide_parameters=True)
    return create_engine(url, module=sqlcipher, creator=lambda: connect(path, read_only=read_only), future=True,
                         hide_parameters=True, poolclass=NullPool if read_only else QueuePool)


def passphrase_from_command_line(prompt: bool, new: bool = False) -> str | None:
    """The passphrase for a command: typed at a prompt (--passphrase-prompt), else $CASEBOOK_PASSPHRASE, else None.

    The environment variable suits scripts but is readable by the user's other processes and may end up in a
    shell's history; docs/encryption.md says so. Raises DatabaseError with a message for the user."""
    if prompt:
        if not sys.stdin.isatty():
            raise DatabaseError("--passphrase-prompt needs a terminal; in a script set "
                                f"{ENVIRONMENT_VARIABLE} instead")
        passphrase = getpass.getpass("Passphrase of the study database: " if not new else "New passphrase: ")
        if new:
            problem = check_new_passphrase(passphrase, getpass.getpass("The same passphrase again: "))
            if problem:
                raise DatabaseError(problem)
        return passphrase
    global _from_environment
    if ENVIRONMENT_VARIABLE in os.environ:  # taken out of the environment: no child process inherits it
        _from_environment = os.environ.pop(ENVIRONMENT_VARIABLE)
    value = _from_environment
    if value is not None and new and (problem := check_new_passphrase(value)):
        raise DatabaseError(f"{ENVIRONMENT_VARIABLE}: {problem}")
    return value or None


def unlock_for_command(database: Path | None, prompt: bool, new: bool = False) -> str | None:
    """A command's passphrase: checked against an existing encrypted ``database`` and remembered; returned
    for creating a new one (``new`` asks twice at a prompt). An existing plain file needs none and asks none."""
    exists = database is not None and Path(database).is_file()
    if exists and not is_encrypted(Path(database)):  # type: ignore[arg-type]
        return None
    passphrase = passphrase_from_command_line(prompt, new=new and not exists)
    if passphrase is not None and exists:
        unlock(Path(database), passphrase)  # type: ignore[arg-type]
    return passphrase


def add_passphrase_option(parser: Any) -> None:
    parser.add_argument("--passphrase-prompt", action="store_true",
                        help=f"ask for the passphrase of an encrypted database (else ${ENVIRONMENT_VARIABLE})")
