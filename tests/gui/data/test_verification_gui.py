"""Tools > Verify runs the same checks as `python main.py verify` (storage.safety.verification)."""

from __future__ import annotations

import sqlite3

from gui.data.audit_view import verification_text
from storage.database import Database


def test_the_window_finds_a_case_deleted_outside_casebook(demo_db: Database) -> None:
    assert verification_text(demo_db)[0]
    conn = sqlite3.connect(demo_db.path)
    try:
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("DELETE FROM cases WHERE study_id = 'P02'")
        conn.commit()
    finally:
        conn.close()
    ok, text = verification_text(demo_db)
    assert not ok
    assert "P02" in text and "Restore a backup" in text
