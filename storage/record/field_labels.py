"""The record's tables and fields in the clinic's words, for views that show stored names (history, audit).

Plain data: ``record_label("salvage_courses", 37)`` is "Salvage course (record 37)", ``field_label("salvage_courses",
"weight_kg")`` is "Weight (kg)". A name without a label is shown as stored, so nothing is ever hidden.
"""

from __future__ import annotations

RECORDS: dict[str, str] = {
    "cases": "Case", "identities": "Identifying data", "cytogenetic_findings": "Cytogenetic finding",
    "prior_transplants": "HSCT before salvage", "salvage_courses": "Salvage course", "drug_administrations": "Drug",
    "response_assessments": "Response assessment", "transplants": "HSCT after salvage",
    "complications": "Complication", "subsequent_therapies": "Subsequent therapy", "relapses": "Relapse",
    "deaths": "Death", "custom_values": "Custom field value", "custom_fields": "Custom field definition",
    "endpoint_definitions": "Endpoint definition", "study_info": "Study setting", "database": "Database",
}

FIELDS: dict[str, str] = {
    "study_id": "Study ID", "sex": "Sex", "diagnosis": "Diagnosis", "subtype": "Subtype / immunophenotype",
    "initial_diagnosis_date": "Date of initial diagnosis", "high_risk_cytogenetics": "High-risk cytogenetics",
    "disease_status": "Disease status at salvage", "relapse_number": "Relapse number",
    "prior_regimens": "Number of prior regimens", "prior_therapies": "Prior therapies",
    "best_response_override": "Manual best response", "best_response_override_reason": "Reason for the manual best response",
    "last_follow_up": "Last follow-up", "last_follow_up_status": "Status at last follow-up", "notes": "Notes",
    "name": "Name", "hospital_number": "Hospital number", "birth_date": "Date of birth", "finding": "Finding",
    "transplant_date": "Date of HSCT", "donor_type": "Donor", "transplant_number": "HSCT number",
    "course_number": "Course number", "start_date": "Start date", "end_date": "End date", "height_cm": "Height (cm)",
    "weight_kg": "Weight (kg)", "drug": "Drug", "dose": "Dose", "unit": "Unit", "doses": "Number of doses",
    "route": "Route", "dose_modification": "Reason for a reduced or raised dose", "assessed_on": "Date of assessment",
    "timing": "Timing (before or after salvage)", "specimen": "Specimen", "blast_percent": "Blasts (%)",
    "mrd_percent": "MRD (%)", "mrd_negative": "MRD negative", "mrd_method": "MRD method", "response": "Response",
    "note": "Note", "term": "Complication", "description": "Description", "grade": "CTCAE grade", "onset": "Onset",
    "resolved_on": "Resolved on", "intensive_care": "Intensive care", "therapy": "Therapy",
    "relapse_date": "Date of relapse", "site": "Site", "death_date": "Date of death", "cause": "Cause of death",
    "cause_detail": "Cause of death, in words", "value": "Value", "kind": "Kind", "choices": "Choices",
    "label": "Label", "death_is_event": "Death is an event", "relapse_is_event": "Relapse is an event",
    "treatment_failure_is_event": "Treatment failure is an event", "death_causes": "Causes of death counted",
}


def record_label(table_name: str, record_id: int | None = None) -> str:
    """The kind of record in words, with its stored record number when there is one ("Drug (record 12)")."""
    label = RECORDS.get(table_name, table_name)
    return label if record_id is None else f"{label} (record {record_id})"


def field_label(table_name: str, field: str | None) -> str:
    """A stored field name in words ("weight_kg" -> "Weight (kg)"); unknown names as stored."""
    if not field:
        return ""
    if table_name == "database":
        return field.replace("_", " ")
    return FIELDS.get(field, field)
