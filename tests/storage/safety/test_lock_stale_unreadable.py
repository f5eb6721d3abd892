"""A lock file left empty by a process killed right after creating it does not block the database forever."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from storage.database import create_database
from storage.safety.lock import DatabaseLocked, acquire_lock, lock_path


def test_fresh_unreadable_lock_is_respected_and_an_old_one_is_taken_over(tmp_path: Path) -> None:
    db = tmp_path / "cases.db"
    create_database(db).close()
    empty_lock = lock_path(db)
    empty_lock.write_text("")
    with pytest.raises(DatabaseLocked, match="details unreadable"):
        acquire_lock(db)
    old = time.time() - 120
    os.utime(empty_lock, (old, old))
    lock = acquire_lock(db)
    try:
        assert lock_path(db).read_text()  # now holds this process's details
    finally:
        lock.release()
