"""verify finds what SQL removed or changed where the trail holds no per-value entry: a deleted death, a
deleted complication, a deleted freeze, an endpoint definition's rule switched off."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storage.database import create_database
from storage.generated.demo import write_demo
from storage.safety.freeze import freeze_dataset
from storage.safety.record_presence import SEEDED_ENDPOINTS
from storage.safety.verification import verify_database


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    path = tmp_path / "demo.db"
    write_demo(path).close()
    return path


def _sql(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


def _problems(path: Path) -> str:
    return " | ".join(verify_database(path).problems)


def test_the_demo_passes(demo: Path) -> None:
    report = verify_database(demo)
    assert report.problems == []
    assert any("Records the audit trail created are all still there" in f for f in report.facts)


def test_a_death_deleted_by_sql_is_found(demo: Path) -> None:
    _sql(demo, "DELETE FROM deaths WHERE id = (SELECT min(id) FROM deaths)")
    assert "record(s) the audit trail created and never deleted are gone" in _problems(demo)
    assert "deaths " in _problems(demo)


def test_a_complication_deleted_by_sql_is_found(demo: Path) -> None:
    _sql(demo, "DELETE FROM complications WHERE id = (SELECT max(id) FROM complications)")
    assert "complications " in _problems(demo)


def test_a_seeded_endpoint_rule_switched_off_by_sql_is_found(demo: Path) -> None:
    _sql(demo, "UPDATE endpoint_definitions SET death_is_event = 0 WHERE name = 'os'")
    assert "endpoint definition(s) changed outside Casebook" in _problems(demo) and "os (death_is_event)" in _problems(demo)


def test_a_freeze_deleted_by_sql_is_found(demo: Path) -> None:
    import datetime as dt

    from storage.database import open_database

    db = open_database(demo, backup=False)
    try:
        with db.session() as session:
            label = freeze_dataset(session, dt.date(2026, 11, 30)).label
    finally:
        db.close()
    assert verify_database(demo).problems == []
    _sql(demo, "UPDATE freezes SET cut_off = '2027-01-31'")
    assert f"data freeze {label!r} differs from what the audit trail recorded" in _problems(demo)
    _sql(demo, "DELETE FROM freezes")
    assert f"data freeze {label!r} recorded in the audit trail is missing" in _problems(demo)


def test_the_seeded_endpoints_are_what_a_new_database_holds(tmp_path: Path) -> None:
    create_database(tmp_path / "new.db").close()
    conn = sqlite3.connect(tmp_path / "new.db")
    columns = list(SEEDED_ENDPOINTS[1])
    rows = {r[0]: dict(zip(columns, r[1:], strict=True))
            for r in conn.execute(f"SELECT id, {', '.join(columns)} FROM endpoint_definitions")}
    conn.close()
    assert rows == SEEDED_ENDPOINTS
