"""Coded value lists of the case record: one place for the form, the import and the rules.

Each list maps the stored code to the label a clinician reads. Codes are short and stable
(they end up in exports and statistics packages); labels may be reworded freely.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

SEX: Final = {"f": "female", "m": "male"}

DIAGNOSIS: Final = {
    "ALL": "acute lymphoblastic leukemia",
    "AML": "acute myeloid leukemia",
    "MPAL": "mixed-phenotype acute leukemia",
    "T-LBL": "T-lymphoblastic lymphoma",
    "other": "other",
}

DISEASE_STATUS: Final = {"refractory": "primary refractory", "relapse": "relapse"}

RESPONSE: Final = {
    "CR": "complete remission",
    "CRi": "CR with incomplete count recovery",
    "PR": "partial remission",
    "NR": "no response / treatment failure",
}
# Best response is the highest of these ranks; CR and CRi count as remission.
RESPONSE_RANK: Final = {"CR": 3, "CRi": 2, "PR": 1, "NR": 0}
REMISSION: Final = frozenset({"CR", "CRi"})

SPECIMEN: Final = {"BM": "bone marrow", "PB": "peripheral blood"}
MRD_METHOD: Final = {"flow": "flow cytometry", "PCR": "PCR"}

DOSE_UNIT: Final = {"mg/m2": "mg/m²", "g/m2": "g/m²", "mg/kg": "mg/kg", "mg": "mg"}
ROUTE: Final = {"IV": "intravenous", "CI": "continuous infusion", "IT": "intrathecal", "PO": "oral"}

DONOR: Final = {
    "MSD": "matched sibling donor",
    "MUD": "matched unrelated donor",
    "MMUD": "mismatched unrelated donor",
    "MMFD": "mismatched family donor (haploidentical)",
    "auto": "autologous",
}

COMPLICATION: Final = {
    "fever": "fever",
    "SIRS": "systemic inflammatory response syndrome",
    "hepatotoxicity": "hepatotoxicity",
    "coagulopathy": "coagulopathy",
    "sepsis": "sepsis",
    "fungal": "invasive fungal infection",
    "other": "other",
}

RELAPSE_SITE: Final = {
    "marrow": "bone marrow",
    "CNS": "central nervous system",
    "extramedullary": "extramedullary",
    "combined": "combined",
}

DEATH_CAUSE: Final = {"disease": "disease-related", "therapy": "therapy-related", "other": "other"}

FOLLOW_UP_STATUS: Final = {"remission": "alive in remission", "disease": "alive with disease"}

CUSTOM_FIELD_KIND: Final = {
    "text": "text",
    "number": "number",
    "date": "date",
    "choice": "choice",
    "yesno": "yes/no",
}

ORDINALS: Final = ("first", "second", "third", "fourth", "fifth", "sixth")


def status_label(status: str | None, relapse_number: int | None) -> str:
    """'primary refractory', 'third relapse', ... as the article writes it."""
    if status == "relapse":
        if relapse_number and 1 <= relapse_number <= len(ORDINALS):
            return f"{ORDINALS[relapse_number - 1]} relapse"
        return "relapse" if not relapse_number else f"relapse no. {relapse_number}"
    return DISEASE_STATUS.get(status or "", "")


def best_response(responses: Sequence[str | None]) -> str | None:
    """The highest response category among post-salvage assessments."""
    ranked = [r for r in responses if r in RESPONSE_RANK]
    return max(ranked, key=lambda r: RESPONSE_RANK[r]) if ranked else None
