"""Shared fixtures: headless Qt, and a fresh database file per test."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any QApplication exists
os.environ.setdefault("MPLBACKEND", "Agg")
# The audit-trail anchor journal (storage.safety.anchors) goes to a folder of the test run, never the user's.
os.environ.setdefault("CASEBOOK_DATA_DIR", __import__("tempfile").mkdtemp(prefix="casebook-test-data-"))

from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from storage.database import Database, create_database  # noqa: E402
from storage.generated.demo import write_demo  # noqa: E402


@pytest.fixture
def empty_db(tmp_path: Path) -> Iterator[Database]:
    db = create_database(tmp_path / "casebook.db")
    yield db
    db.close()


@pytest.fixture
def demo_db(tmp_path: Path) -> Iterator[Database]:
    db = write_demo(tmp_path / "demo.db")
    yield db
    db.close()
