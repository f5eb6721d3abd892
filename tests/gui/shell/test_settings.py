"""The settings wrapper: typed keys with defaults; unknown keys are refused."""

from __future__ import annotations

import pytest

from gui.shell.settings import MAX_RECENT_FILES, Settings


def test_defaults_and_unknown_keys(settings: Settings) -> None:
    assert settings.get("recent_files") == []
    assert settings.get("last_database") == ""
    with pytest.raises(KeyError, match="unknown setting 'patient_name'"):
        settings.get("patient_name")
    with pytest.raises(KeyError):
        settings.set("study_id", "P01")
    with pytest.raises(TypeError):
        settings.set("last_database", 3)


def test_recent_files_most_recent_first_without_repeats(settings: Settings) -> None:
    for i in range(MAX_RECENT_FILES + 2):
        settings.add_recent_file(f"/data/study{i}.db")
    settings.add_recent_file("/data/study5.db")
    recent = settings.get("recent_files")
    assert recent[0] == "/data/study5.db" and len(recent) == MAX_RECENT_FILES
    assert recent.count("/data/study5.db") == 1
    assert settings.get("last_database") == "/data/study5.db"
