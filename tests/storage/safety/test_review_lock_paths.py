"""The lock follows symlinks, and an unreadable lock file is described without question marks."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.safety.lock import DatabaseLocked, acquire_lock, lock_path


def test_a_symlinked_folder_or_file_leads_to_the_same_lock(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / "x.db").write_bytes(b"")
    (tmp_path / "alias").symlink_to(real, target_is_directory=True)
    (tmp_path / "link.db").symlink_to(real / "x.db")
    assert lock_path(tmp_path / "alias" / "x.db") == lock_path(real / "x.db") == lock_path(tmp_path / "link.db")
    with acquire_lock(real / "x.db"):
        for other in (tmp_path / "alias" / "x.db", tmp_path / "link.db"):
            with pytest.raises(DatabaseLocked):
                acquire_lock(other)


def test_an_unreadable_lock_names_no_question_marks(tmp_path: Path) -> None:
    database = tmp_path / "x.db"
    lock_path(database).write_text("{not json", encoding="utf-8")
    with pytest.raises(DatabaseLocked) as caught:
        acquire_lock(database)
    message = str(caught.value)
    assert "another Casebook window or process (details unreadable)" in message
    assert "?" not in message and "None" not in message
