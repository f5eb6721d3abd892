"""Defining custom fields: each rule refuses with a message naming the field, and nothing is written."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.database import Database
from storage.record import custom_fields as cf
from storage.record.case_documents import load_document, save_document
from storage.record.models import Case, CustomField

MRD = "MRD method at relapse"


def _case_id(db: Database, study_id: str) -> int:
    with db.session() as s:
        cid = s.scalar(select(Case.id).where(Case.study_id == study_id))
    assert cid is not None
    return cid


def _fill(db: Database, study_id: str, values: dict[str, str]) -> None:
    cid = _case_id(db, study_id)
    with db.session() as s:
        doc = load_document(s, cid)
        doc["custom"].update(values)
        save_document(s, doc, cid)


def _names(db: Database) -> list[str]:
    with db.session() as s:
        return [f.name for f in cf.list_fields(s)]


def test_add_and_list_with_the_number_of_cases_holding_a_value(demo_db: Database) -> None:
    with demo_db.session() as s:
        cf.add_field(s, f"  {MRD} ", "choice", "flow\n\nPCR\nNGS\n")
        cf.add_field(s, "Ferritin", "number")
    _fill(demo_db, "P01", {MRD: "PCR"})
    _fill(demo_db, "P04", {MRD: "flow"})
    with demo_db.session() as s:
        listed = cf.list_fields(s)
    assert [(f.name, f.kind_label, f.choices, f.cases_with_value) for f in listed] == [
        ("Ferritin", "number", (), 0), (MRD, "choice", ("flow", "PCR", "NGS"), 2)]


@pytest.mark.parametrize("name, message", [
    ("", "needs a name"),
    ("   ", "needs a name"),
    ("x" * 61, "at most 60 characters"),
    ("sex", "built-in field of the analysis (--group-by sex)"),
    ("Best_Response", "built-in field of the analysis"),
    ("salvage_start", "column of the case template"),
    ("custom:ferritin", "cannot start with 'custom:'"),
    ("MRD=flow", "cannot contain '='"),
    ("ferritin", "A custom field 'Ferritin' exists already"),
])
def test_names_that_are_refused(demo_db: Database, name: str, message: str) -> None:
    with demo_db.session() as s:
        cf.add_field(s, "Ferritin", "number")
    with pytest.raises(cf.CustomFieldError) as err, demo_db.session() as s:
        cf.add_field(s, name, "text")
    assert message in str(err.value)
    assert _names(demo_db) == ["Ferritin"]


def test_kind_and_choices_must_fit(demo_db: Database) -> None:
    with pytest.raises(cf.CustomFieldError, match="kind must be one of text, number, date, choice, yesno"), \
            demo_db.session() as s:
        cf.add_field(s, "Ferritin", "float")
    with pytest.raises(cf.CustomFieldError, match=f"choice field '{MRD}' needs at least one choice"), \
            demo_db.session() as s:
        cf.add_field(s, MRD, "choice", "\n \n")
    with pytest.raises(cf.CustomFieldError, match="'Ferritin' is a number field: only a choice field has choices"), \
            demo_db.session() as s:
        cf.add_field(s, "Ferritin", "number", ["high"])
    with pytest.raises(cf.CustomFieldError, match="choice 'PCR' of .* is listed twice"), demo_db.session() as s:
        cf.add_field(s, MRD, "choice", ["PCR", "flow", "PCR"])
    assert _names(demo_db) == []


def test_rename_keeps_the_values(demo_db: Database) -> None:
    with demo_db.session() as s:
        cf.add_field(s, "MRD method", "choice", ["flow", "PCR"])
    _fill(demo_db, "P01", {"MRD method": "PCR"})
    with demo_db.session() as s:
        cf.rename_field(s, "MRD method", MRD)
    with demo_db.session() as s:
        assert load_document(s, _case_id(demo_db, "P01"))["custom"] == {MRD: "PCR"}
    with demo_db.session() as s:  # a change of case only is allowed for the field itself
        cf.rename_field(s, MRD, MRD.upper())
    with pytest.raises(cf.CustomFieldError, match="There is no custom field 'nothing'"), demo_db.session() as s:
        cf.rename_field(s, "nothing", "something")


def test_a_choice_in_use_cannot_be_removed_and_the_message_counts_the_cases(demo_db: Database) -> None:
    with demo_db.session() as s:
        cf.add_field(s, MRD, "choice", ["flow", "PCR", "NGS"])
    _fill(demo_db, "P01", {MRD: "PCR"})
    _fill(demo_db, "P02", {MRD: "PCR"})
    with pytest.raises(cf.CustomFieldError) as err, demo_db.session() as s:
        cf.set_choices(s, MRD, ["flow", "NGS"])
    assert str(err.value) == (f"Cannot remove a choice of '{MRD}' that cases use: 'PCR' is used by 2 cases. "
                              "Change those cases first.")
    with demo_db.session() as s:
        assert cf.set_choices(s, MRD, "PCR\nflow\nddPCR") == ("PCR", "flow", "ddPCR")  # unused NGS may go
    with demo_db.session() as s:
        assert s.scalar(select(CustomField.choices)) == "PCR\nflow\nddPCR"


def test_delete_counts_the_values_and_undo_restores_them(demo_db: Database) -> None:
    with demo_db.session() as s:
        cf.add_field(s, MRD, "choice", ["flow", "PCR"])
    _fill(demo_db, "P01", {MRD: "PCR"})
    _fill(demo_db, "P03", {MRD: "flow"})
    with demo_db.session() as s:
        assert cf.cases_with_value(s, MRD) == 2
        deleted = cf.delete_field(s, MRD)
    assert _names(demo_db) == []
    with demo_db.session() as s:
        assert load_document(s, _case_id(demo_db, "P01"))["custom"] == {}
        cf.restore_field(s, deleted)
    with demo_db.session() as s:
        assert load_document(s, _case_id(demo_db, "P01"))["custom"] == {MRD: "PCR"}
        assert load_document(s, _case_id(demo_db, "P03"))["custom"] == {MRD: "flow"}


def test_the_reserved_names_are_the_analysis_fields() -> None:
    from analysis.statistics.cohort import FIELDS

    assert set(FIELDS) == cf.ANALYSIS_FIELD_NAMES


def test_reserved_template_names_equal_the_case_template_columns() -> None:
    from storage.interchange.case_template import BY_NAME

    assert set(BY_NAME) == cf.TEMPLATE_COLUMNS
