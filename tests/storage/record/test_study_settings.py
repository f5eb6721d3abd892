"""Named study settings (figure styles, import mappings, drug catalogue) live in the study's database."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.database import create_database, open_database
from storage.record.study_settings import (
    SettingError,
    delete_setting,
    get_setting,
    list_settings,
    put_setting,
)


def test_a_setting_survives_reopening_the_database(tmp_path: Path) -> None:
    db = create_database(tmp_path / "study.db")
    with db.session() as s:
        put_setting(s, "figure_style", "Journal", {"font_size": 8, "ticks": [0, 12, 24]})
        put_setting(s, "figure_style", "Poster", {"font_size": 14})
        put_setting(s, "import_mapping", "Excel 2019", {"Geschlecht": "sex"})
    db.close()
    db = open_database(tmp_path / "study.db", backup=False)
    with db.session() as s:
        assert get_setting(s, "figure_style", "Journal") == {"font_size": 8, "ticks": [0, 12, 24]}
        assert list_settings(s, "figure_style") == ["Journal", "Poster"]
        assert list_settings(s, "import_mapping") == ["Excel 2019"]
        assert delete_setting(s, "figure_style", "Poster") is True
        assert get_setting(s, "figure_style", "Poster") is None
        assert delete_setting(s, "figure_style", "Poster") is False
    db.close()


def test_bad_settings_are_refused_by_name(tmp_path: Path) -> None:
    db = create_database(tmp_path / "study.db")
    with db.session() as s:
        with pytest.raises(SettingError, match="too long"):
            put_setting(s, "figure_style", "x" * 60, {})
        with pytest.raises(SettingError, match="unknown kind"):
            put_setting(s, "passwords", "a", {})
        with pytest.raises(SettingError, match="cannot be stored"):
            put_setting(s, "figure_style", "nan", {"width": float("nan")})
        assert list_settings(s, "figure_style") == []
    db.close()
