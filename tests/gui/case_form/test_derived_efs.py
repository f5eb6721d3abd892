"""A case without complete remission shows one EFS everywhere: NA, as the article and the case list print it,
with what the other definitions would count said in words (the physician's review: P05 read NA in the list and
the header but "event (death), 2.0 months" in the outcome section)."""

from __future__ import annotations

from gui.case_form.derived import derived_texts
from storage.database import Database
from storage.record.case_documents import case_to_document
from storage.record.models import Case


def _document(db: Database, study_id: str) -> dict[str, object]:
    with db.session() as session:
        return case_to_document(session.query(Case).filter_by(study_id=study_id).one())


def test_the_outcome_says_na_for_a_case_without_remission_as_the_list_does(demo_db: Database) -> None:
    derived = derived_texts(_document(demo_db, "P05"))
    assert "EFS NA (no CR" in derived.endpoints_line
    assert derived.event_free_survival.startswith(
        "Event-free survival — P05: NA, no complete remission (best response ")
    assert "the article reports EFS for responders only, as the case list does" in derived.event_free_survival
    assert "event (death) on 2018-11-10, 2.0 months after time zero" in derived.event_free_survival


def test_a_responder_keeps_its_efs_value(demo_db: Database) -> None:
    derived = derived_texts(_document(demo_db, "P04"))
    assert derived.event_free_survival.startswith("Event-free survival — P04: event (")
    assert "EFS 12.0 mo" in derived.endpoints_line
