"""What each column of the case list says about one case: headers, display texts, sort keys, tooltips.

storage.record.codes and analysis.statistics.endpoints are imported when the first row is formatted, not when the
(empty) list is built at start-up.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

from gui.widgets.date_display import format_date, show_dates_in

if TYPE_CHECKING:
    from analysis.statistics.endpoints import EndpointValue
    from storage.views.summaries import CaseSummary

(STUDY_ID, AGE, SEX, DIAGNOSIS, STATUS, BEST_RESPONSE, TRANSPLANT, OS, EFS, LAST_FOLLOW_UP, PROBLEMS) = range(11)
HEADERS = {
    STUDY_ID: "Study ID",
    AGE: "Age (years)",
    SEX: "Sex",
    DIAGNOSIS: "Diagnosis",
    STATUS: "Status at salvage",
    BEST_RESPONSE: "Best response",
    TRANSPLANT: "HSCT after",
    OS: "OS (months)",
    EFS: "EFS (months)",
    LAST_FOLLOW_UP: "Last follow-up",
    PROBLEMS: "Data problems",
}
HEADER_TIPS = {
    TRANSPLANT: "Allogeneic HSCT after salvage (donor of the first)",
    AGE: "Age at time zero: years from the date of birth to day 1 of the first salvage course",
    OS: "Overall survival from time zero: event = death from any cause; '+' = censored at last follow-up",
    EFS: "Event-free survival as the article defines it, from time zero: event = relapse or death; '+' = censored "
         "at last follow-up. As in the article, a case without complete remission has no EFS ('NA (no CR)'); "
         "the analysis offers the endpoint 'Event-free survival, treatment failure as event at day 0', which "
         "counts it as an event at day 0.",
    DIAGNOSIS: "Diagnosis (hover for the subtype / immunophenotype)",
    PROBLEMS: "Missing or stale items to chase (hover a cell for the list)",
}

NO_VALUE = "—"


@functools.cache
def _domain() -> tuple[ModuleType, ModuleType]:
    """storage.record.codes and analysis.statistics.endpoints, imported when the first row is formatted."""
    from analysis.statistics import endpoints
    from storage.record import codes

    return codes, endpoints


def _endpoint_text(value: EndpointValue) -> str:
    months = value.time("months")
    if months is None:
        return NO_VALUE
    return f"{months:.1f} (event)" if value.event else f"{months:.1f}+ (censored)"


class CaseRow:
    """Display strings, sort keys and tooltips of one case, computed on first use."""

    __slots__ = ("display", "sort", "tips", "haystack", "dates")

    def __init__(self, s: CaseSummary, problems: Sequence[str]) -> None:
        codes, endpoints = _domain()
        age = s.age_at_time_zero
        os_value = endpoints.derive(s, endpoints.OVERALL_SURVIVAL)
        efs_value = endpoints.derive(s, endpoints.EVENT_FREE_SURVIVAL)
        diagnosis = s.diagnosis or ""  # the diagnosis, not the subtype (that is in the tooltip and the filter)
        no_remission = s.best_response is not None and s.best_response not in codes.REMISSION
        response = s.best_response or ""
        if response and s.best_response_overridden:
            response += " (manual)"
        if s.first_transplant_date is not None or s.first_transplant_donor:
            transplant = f"yes ({s.first_transplant_donor})" if s.first_transplant_donor else "yes"
        else:
            transplant = "no"
        self.display: tuple[str, ...] = (
            s.study_id,
            f"{age:.1f}" if age is not None else NO_VALUE,
            codes.SEX.get(s.sex or "", ""),
            diagnosis,
            s.status_label,
            response,
            transplant,
            _endpoint_text(os_value),
            "NA (no CR)" if no_remission else _endpoint_text(efs_value),
            format_date(s.last_follow_up) if s.last_follow_up else NO_VALUE,  # as chosen; sorted by date below
            (f"{len(problems)} problem" + ("s" if len(problems) > 1 else "")) if problems else "",
        )
        never = float("inf")
        self.sort: tuple[Any, ...] = (
            s.study_id,
            age if age is not None else never,
            self.display[SEX],
            diagnosis,
            self.display[STATUS],
            codes.RESPONSE_RANK.get(s.best_response or "", -1),
            transplant,
            os_value.days if os_value.days is not None else never,
            efs_value.days if efs_value.days is not None and not no_remission else never,
            (s.last_follow_up or dt.date.max).toordinal(),
            len(problems),
        )
        self.tips: dict[int, str] = {
            OS: show_dates_in(os_value.explanation),
            EFS: (f"{s.study_id}: no complete remission (best response {s.best_response}): the article gives no "
                  "EFS (event-free survival counts relapse or death only; EFS with treatment failure as event "
                  "counts the treatment failure at day 0)"
                  if no_remission else show_dates_in(efs_value.explanation)),
            DIAGNOSIS: " — ".join(t for t in (codes.DIAGNOSIS.get(s.diagnosis or "", ""),
                                              f"subtype {s.subtype}" if s.subtype else "") if t),
            BEST_RESPONSE: codes.RESPONSE.get(s.best_response or "", ""),
        }
        if problems:
            self.tips[PROBLEMS] = show_dates_in("\n".join(problems))
        self.haystack = "\t".join((*self.display, s.subtype or "")).lower()  # the subtype: in the tooltip
        self.dates = date_fields(s)  # searched in both forms, whatever the display


# The row's dates that the list's filter finds typed either way (10.11.2018 or 2018-11-10), whatever
# View ▸ Dates shown as says: (where, both forms), searched like the fields that are not columns. The
# case's other dates (courses, assessments, transplants ...) come with its fields (gui.case_list.case_dates).
DATED = (("birth_date", "Date of birth"), ("death_date", "Death"), ("last_follow_up", "Last follow-up"))
_ISO_DATE = re.compile(r"(?<![\d.-])(\d{4})-(\d{2})-(\d{2})(?![\d-])")
_DAY_FIRST_DATE = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4})(?![\d.])")


def _both(day: dt.date) -> str:
    return f"{day.isoformat()} {day.day:02d}.{day.month:02d}.{day.year:04d}"


def date_fields(s: CaseSummary) -> list[tuple[str, str]]:
    """Each date of the case the summary holds, as (where, "2018-11-10 10.11.2018")."""
    return [(where, _both(day)) for attr, where in DATED if (day := getattr(s, attr)) is not None]


def with_other_forms(text: str) -> str:
    """A searched text with every date in it (either form) also written in the other form after it."""
    if "-" not in text and "." not in text:
        return text
    found: list[str] = []
    for pattern, order in ((_ISO_DATE, (0, 1, 2)), (_DAY_FIRST_DATE, (2, 1, 0))):
        for match in pattern.finditer(text):
            year, month, day = (int(match.group(i + 1)) for i in order)
            try:
                both = _both(dt.date(year, month, day))
            except ValueError:
                continue  # not a real date
            if both not in text:  # (a date field's text has both already)
                found.append(both)
    return f"{text} {' '.join(found)}" if found else text


def typed_date(word: str) -> str:
    """A typed word as the filter looks for it: 1.2.2019 as 01.02.2019 (the searched texts' form)."""
    match = _DAY_FIRST_DATE.fullmatch(word)
    return f"{int(match[1]):02d}.{int(match[2]):02d}.{match[3]}" if match else word
