"""One writer per database: a lock file beside it naming who holds it.

SQLite alone would let two instances interleave their writes, each working from stale screens.
So the app takes ``<database>.lock`` (created atomically, holding PID, host, user and start time)
before it writes. A second instance is told who holds the database and may open it read-only.
A lock whose process is gone on this host is stale and is taken over; a lock from another host
(a shared drive) is never presumed stale, since its process cannot be checked from here.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event

from storage.safety.audit import os_user


class DatabaseLocked(Exception):
    """Another instance holds the database; the message is for the user."""


def lock_path(database: Path) -> Path:
    """``<database>.lock`` beside the real file: symlinks (to the file or a folder) are resolved, so every
    name of one database leads to the same lock."""
    database = Path(database).expanduser().resolve()
    return database.with_name(database.name + ".lock")


def _process_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if sys.platform == "win32":
        return _windows_process_alive(pid)  # os.kill(pid, 0) would terminate it on Windows
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    except OSError:
        return False
    return True


def _windows_process_alive(pid: int) -> bool:
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined,unused-ignore]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return False
    try:
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


@dataclass
class Lock:
    database: Path
    path: Path
    owner: dict[str, Any]
    released: bool = False

    def release(self) -> None:
        """Remove the lock file if it is still ours."""
        if self.released:
            return
        self.released = True
        try:
            current = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if current.get("token") == self.owner["token"]:
            self.path.unlink(missing_ok=True)

    def __enter__(self) -> Lock:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()


UNREADABLE_LOCK_STALE_AFTER_S = 30.0


def holder(database: Path) -> dict[str, Any] | None:
    """Who holds the lock, or None if nobody (or only a stale lock) does."""
    path = lock_path(database)
    try:
        info: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        # A holder writes its details right after creating the file; an empty or garbled lock that
        # has stayed so for a while was left by a process killed in between (or a power cut): stale.
        try:
            age = time.time() - path.stat().st_mtime
        except OSError:
            return None
        if age > UNREADABLE_LOCK_STALE_AFTER_S:
            return None
        return {"pid": None, "host": "?", "user": "?", "since": "?", "unreadable": True}
    if info.get("host") == socket.gethostname() and not _process_alive(int(info.get("pid") or 0)):
        return None
    return info


def describe(info: dict[str, Any]) -> str:
    if info.get("unreadable"):
        return "another Casebook window or process (details unreadable)"
    return (f"user {info.get('user', '?')} on computer {info.get('host', '?')} "
            f"(process {info.get('pid', '?')}, since {info.get('since', '?')})")


def acquire_lock(database: Path) -> Lock:
    """Take the write lock of a database, or raise DatabaseLocked naming who holds it.

    The lock is per file, not per name: symlinks are resolved to the real file, and a file with other
    hard links is refused (storage.record.schema.DatabaseHardLinked), since each name would get a lock
    of its own and SQLite a WAL of its own. The lock records the file's device and inode.
    """
    from storage.record.schema import refuse_hard_links

    database = Path(database)
    refuse_hard_links(database.expanduser().resolve())
    path = lock_path(database)
    owner = {
        "pid": os.getpid(), "host": socket.gethostname(), "user": os_user(),
        "since": dt.datetime.now().isoformat(timespec="seconds"), "token": os.urandom(8).hex(),
    }
    try:
        found = os.stat(database.expanduser().resolve())
        owner["file"] = f"{found.st_dev}:{found.st_ino}"
    except OSError:
        pass  # a database still to be created
    for _attempt in range(3):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)  # owner-only, as the database: who holds it is nobody else's business
        except FileExistsError:
            current = holder(database)
            if current is not None:
                where = ("in another Casebook window or process (details unreadable)" if current.get("unreadable")
                         else f"in another Casebook window: {describe(current)}")
                raise DatabaseLocked(
                    f"{database.name} is open {where}. "
                    "You can look at it read-only; to change it, close it there first. If that program "
                    f"is no longer running, delete {path.name}."
                ) from None
            path.unlink(missing_ok=True)  # stale: its process has gone
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(owner, fh)
        return Lock(database, path, owner)
    raise DatabaseLocked(f"Could not take the lock {path.name}; another program keeps replacing it.")


def make_read_only(engine: Any) -> None:
    """Make every connection of an engine refuse writes (PRAGMA query_only), for a second instance."""

    def _query_only(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA query_only=ON")
        cursor.close()

    event.listen(engine, "connect", _query_only)
    engine.dispose()  # pooled connections opened before were writable
