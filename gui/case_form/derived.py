"""What the form derives from the document it shows: the endpoints line, OS and EFS, best response.

Plain text from a document (no widgets), so that the form only puts it where it belongs. Times are in
months (days / 30.4375), "+" marking a censored time, as the case list prints them.
"""

from __future__ import annotations

from dataclasses import dataclass

from analysis.statistics.endpoints import EVENT_FREE_SURVIVAL, OVERALL_SURVIVAL, derive
from gui.widgets.date_display import show_dates_in
from storage.record import codes
from storage.record.case_documents import Document, document_dates

# The built-in endpoint definition 'efs-tf' in clinic words (its label, shortened for the header line).
TREATMENT_FAILURE_EFS = "EFS with treatment failure as event"


@dataclass(frozen=True)
class Derived:
    endpoints_line: str  # subtype · status · OS 12.3 mo · EFS 4.0 mo+
    overall_survival: str  # the explanation under the outcome section
    event_free_survival: str
    best_response: str


def derived_texts(doc: Document) -> Derived:
    dates = document_dates(doc)
    sid = doc.get("study_id") or "new case"
    parts = [codes.status_label(doc.get("disease_status"), doc.get("relapse_number"))]
    explained: dict[str, str] = {}
    for name, label, definition in (("OS", "Overall survival", OVERALL_SURVIVAL),
                                    ("EFS", "Event-free survival", EVENT_FREE_SURVIVAL)):
        value = derive(dates, definition)
        if value.days is not None and value.days < 0:  # dates in an impossible order, marked above
            explained[name] = f"{label} — {sid}: no value until the dates marked in red are fixed"
            continue
        explained[name] = f"{label} — {show_dates_in(value.explanation)}"
        if name == "EFS" and dates.best_response and dates.best_response not in codes.REMISSION:
            parts.append(f"EFS NA (no CR; {TREATMENT_FAILURE_EFS} counts it at day 0)")  # as the article prints it
            explained[name] = (f"{label} — {sid}: NA, no complete remission (best response {dates.best_response}): "
                               "the article reports EFS for responders only, as the case list does. "
                               f"{TREATMENT_FAILURE_EFS} counts it as an event at day 0. (Counted from time zero "
                               f"all the same, as an analysis of all cases would and then warns: "
                               f"{show_dates_in(value.explanation).removeprefix(f'{sid}: ')}.)")
        elif value.available:
            parts.append(f"{name} {value.time():.1f} mo{'' if value.event else '+'}")
    line = " · ".join(p for p in [doc.get("subtype") or doc.get("diagnosis") or "", *parts] if p)
    best = dates.best_response
    best_label = f"{best} — {codes.RESPONSE.get(best, '')}" if best else "none recorded"
    if doc.get("best_response_override"):
        best_label += " (manual value)"
    return Derived(line, explained["OS"], explained["EFS"], best_label)
