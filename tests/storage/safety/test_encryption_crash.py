"""The SIGKILL crash test of imports and saves, run again on an encrypted database.

Loads tests/storage/interchange/test_import_crash_sigkill.py and runs its test with the database created
encrypted and read back through SQLCipher: every transaction whole or absent, integrity and hash chain intact.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from storage.database import create_database
from storage.safety import encryption

pytestmark = pytest.mark.slow
PASSPHRASE = "Station 4b Kaffeemaschine"
CRASH_TEST = Path(__file__).resolve().parents[1] / "interchange" / "test_import_crash_sigkill.py"


def _crash_test_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("casebook_crash_test_encrypted", CRASH_TEST)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_sigkill_on_an_encrypted_database_leaves_every_transaction_whole_or_absent(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    crash = _crash_test_module()
    encryption.forget_all()
    monkeypatch.setenv(encryption.ENVIRONMENT_VARIABLE, PASSPHRASE)  # the killed `casebook import` children
    monkeypatch.setattr(crash, "create_database", lambda path: create_database(path, PASSPHRASE))

    class EncryptedSqlite:
        """sqlite3 as the crash test uses it, opening the file through SQLCipher."""

        @staticmethod
        def connect(path: Path) -> object:
            assert encryption.is_encrypted(Path(path))
            return encryption.connect(Path(path))

    monkeypatch.setattr(crash, "sqlite3", EncryptedSqlite)
    try:
        crash.test_sigkill_during_imports_and_saves_leaves_every_transaction_whole_or_absent(tmp_path)
    finally:
        encryption.forget_all()
