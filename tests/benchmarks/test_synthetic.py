"""The synthetic cohort generator: every case passes the integrity rules, the mix is as documented, seeded."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storage.database import open_database
from storage.generated.synthetic import build_database, case_from_draft, drafts, write_csv
from storage.record.rules import check_case
from storage.views.summaries import load_summaries

CASES = 400


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("synthetic") / "cohort.db"
    build_database(path, CASES, seed=3, validate_all=True)
    return path


def test_every_generated_case_passes_the_rules() -> None:
    problems = [v for d in drafts(CASES, seed=3) for v in check_case(case_from_draft(d))]
    assert problems == []


def test_the_database_holds_the_documented_mix(cohort: Path) -> None:
    with sqlite3.connect(cohort) as conn:
        def per_case(table: str) -> float:
            return float(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]) / CASES  # noqa: S608

        assert conn.execute("SELECT count(*) FROM cases").fetchone()[0] == CASES
        assert 1.8 <= per_case("salvage_courses") <= 2.2
        assert 2.8 <= per_case("response_assessments") <= 3.2
        assert 1.8 <= per_case("complications") <= 2.2
        assert per_case("drug_administrations") >= 2 * per_case("salvage_courses")
        assert 0.5 <= per_case("deaths") <= 0.9  # relapsed/refractory leukemia: most die, some are censored
        diagnoses = dict(conn.execute("SELECT diagnosis, count(*) FROM cases GROUP BY diagnosis").fetchall())
        assert set(diagnoses) == {"ALL", "AML", "MPAL", "T-LBL", "other"}
        assert diagnoses["ALL"] > diagnoses["AML"] > diagnoses["T-LBL"]


def test_loaded_cases_pass_the_rules_and_give_endpoints(cohort: Path) -> None:
    from storage.record.models import Case

    db = open_database(cohort, backup=False)
    try:
        with db.session() as session:
            assert all(not check_case(case) for case in session.query(Case).limit(100))
            summaries = load_summaries(session)
    finally:
        db.close()
    assert all(s.time_zero is not None and s.last_follow_up is not None for s in summaries)
    dead = [s for s in summaries if s.death_date is not None]
    assert dead and all(s.death_cause and s.last_follow_up == s.death_date for s in dead)
    assert all(s.last_follow_up_status is None for s in dead)


def test_the_same_seed_gives_the_same_case_file(tmp_path: Path) -> None:
    write_csv(tmp_path / "a.csv", 50, seed=9)
    write_csv(tmp_path / "b.csv", 50, seed=9)
    write_csv(tmp_path / "c.csv", 50, seed=10)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert (tmp_path / "a.csv").read_bytes() != (tmp_path / "c.csv").read_bytes()
