"""Data freezes: a label and content hash that later exports and reports can check against."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from storage.database import Database
from storage.record.models import Case
from storage.safety.audit import REASON_KEY
from storage.safety.freeze import content_hash, freeze_dataset, freeze_label, list_freezes


def test_no_freeze_no_label(demo_db: Database) -> None:
    with demo_db.session() as session:
        assert freeze_label(session) is None


def test_a_freeze_is_labelled_and_hashed_and_says_when_the_data_changed(demo_db: Database) -> None:
    with demo_db.session() as session:
        freeze = freeze_dataset(session, dt.date(2021, 12, 31), note="for the manuscript")
    assert freeze.label.startswith("F1-") and freeze.case_count == 8 and len(freeze.content_hash) == 64
    with demo_db.session() as session:
        label = freeze_label(session)
        assert label is not None and freeze.label in label and "cut-off 2021-12-31" in label
        assert "unchanged since" in label
        session.info[REASON_KEY] = "source document re-read"  # required after a freeze (issue 14, point 15)
        session.scalars(select(Case).where(Case.study_id == "P02")).one().notes = "late correction"
    with demo_db.session() as session:
        label = freeze_label(session)
        assert label is not None and "changed since the freeze" in label
        second = freeze_dataset(session, dt.date(2022, 6, 30))
    assert second.label.startswith("F2-") and second.content_hash != freeze.content_hash
    with demo_db.session() as session:
        assert [f.label for f in list_freezes(session)] == [freeze.label, second.label]


def test_the_content_hash_depends_on_the_data_only(demo_db: Database) -> None:
    with demo_db.session() as session:
        first = content_hash(session)
    with demo_db.session() as session:
        assert content_hash(session) == first
