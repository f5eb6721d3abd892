"""The cohort analysis on the demo database: the seed article's numbers, populations, groups, fields."""

from __future__ import annotations

import pytest

from analysis.statistics.cohort import CohortError, Condition, analyze_cohort, fields_for
from analysis.statistics.endpoints import EVENT_FREE_SURVIVAL, OVERALL_SURVIVAL, EndpointRule
from storage.database import Database
from storage.record.endpoint_definitions import (
    EndpointDefinitionError,
    create_definition,
    get_definition,
    list_definitions,
    update_definition,
)
from storage.record.models import CustomField, CustomValue
from storage.views.summaries import CaseSummary, load_summaries


def summaries(db: Database) -> list[CaseSummary]:
    with db.session() as s:
        return load_summaries(s)


def test_median_os_8_months_with_log_ci_3_to_not_reached(demo_db: Database) -> None:
    g = analyze_cohort(summaries(demo_db), OVERALL_SURVIVAL).groups[0]
    assert (g.n, g.events, g.censored) == (8, 6, 2)
    # S = 0.5 on [4, 12.02) months: (4 + 12.02) / 2
    assert g.median.median == pytest.approx(8.0, abs=0.05)
    assert g.median.ci_lower == pytest.approx(3.0, abs=0.05)  # day 91 = 2.99 months
    assert g.median.ci_upper is None


def test_three_year_os_log_and_log_log_ci(demo_db: Database) -> None:
    cases = summaries(demo_db)
    log = analyze_cohort(cases, OVERALL_SURVIVAL, at=[36]).groups[0].landmarks[0]
    assert log.survival == pytest.approx(0.375)
    assert (log.ci_lower, log.ci_upper) == (pytest.approx(0.1533, abs=1e-4), pytest.approx(0.9174, abs=1e-4))
    assert (log.n_at_risk, log.n_events, log.n_censored) == (3, 5, 0)
    loglog = analyze_cohort(cases, OVERALL_SURVIVAL, at=[36], conf_type="log-log").groups[0].landmarks[0]
    assert (loglog.ci_lower, loglog.ci_upper) == (pytest.approx(0.0870, abs=1e-4), pytest.approx(0.6744, abs=1e-4))


def test_one_year_os_is_50_percent(demo_db: Database) -> None:
    lm = analyze_cohort(summaries(demo_db), OVERALL_SURVIVAL, at=[12]).groups[0].landmarks[0]
    assert lm.survival == pytest.approx(0.5)
    assert lm.n_at_risk == 4


def test_median_efs_among_responders_is_4_months(demo_db: Database) -> None:
    result = analyze_cohort(summaries(demo_db), EVENT_FREE_SURVIVAL, where=[Condition.parse("best_response=CR")])
    g = result.groups[0]
    assert g.n == 5 and g.events == 5
    assert g.median.median == pytest.approx(4.0, abs=0.05)
    assert sorted(x.study_id for x in result.excluded) == ["P05", "P06", "P08"]
    assert all("Best response after salvage is NR" in x.reason for x in result.excluded)


def test_efs_treatment_failure_at_day_0_gives_2_months(demo_db: Database) -> None:
    rule = EndpointRule("efs-tf", "EFS (TF at day 0)", relapse_is_event=True, treatment_failure_is_event=True)
    assert analyze_cohort(summaries(demo_db), rule).groups[0].median.median == pytest.approx(2.0, abs=0.05)


def test_responder_field_and_comma_means_any_of(demo_db: Database) -> None:
    cases = summaries(demo_db)
    assert analyze_cohort(cases, OVERALL_SURVIVAL, where=[Condition.parse("responder=yes")]).overall.n == 5
    assert analyze_cohort(cases, OVERALL_SURVIVAL, where=[Condition.parse("diagnosis=aml,MPAL")]).overall.n == 3


def test_group_by_gives_one_entry_per_value_and_logrank(demo_db: Database) -> None:
    result = analyze_cohort(summaries(demo_db), OVERALL_SURVIVAL, group_by="prior_hsct")
    assert [(g.label, g.n) for g in result.groups] == [("no", 4), ("yes", 4)]
    assert result.logrank is not None and result.logrank.df == 1
    assert 0 < result.logrank.p < 1
    assert analyze_cohort(summaries(demo_db), OVERALL_SURVIVAL).logrank is None


def test_few_events_warning_per_group(demo_db: Database) -> None:
    result = analyze_cohort(summaries(demo_db), OVERALL_SURVIVAL, group_by="sex")
    # men: P02 alive, P05 and P07 died; women: 4 deaths among 5
    assert any(w.startswith("m: Only 2 events") for w in result.warnings)
    assert any(w.startswith("f: Only 4 events") for w in result.warnings)


def test_median_follow_up_by_reverse_km(demo_db: Database) -> None:
    fu = analyze_cohort(summaries(demo_db), OVERALL_SURVIVAL).overall.follow_up
    # censored at 50.0 (P06) and 75.0 (P02) months; reverse KM: S_c = 1/2 on [50, 75) -> midpoint 62.5
    assert fu.median == pytest.approx(62.5, abs=0.05)


def test_explanations_and_excluded_case_without_time_zero(demo_db: Database) -> None:
    cases = summaries(demo_db)
    cases[0] = CaseSummary(**{**cases[0].__dict__, "time_zero": None})
    result = analyze_cohort(cases, OVERALL_SURVIVAL)
    assert result.overall.n == 7
    assert [(x.study_id, "time zero" in x.reason) for x in result.excluded] == [("P01", True)]
    p04 = next(v for v in result.values if v.study_id == "P04")
    assert "event (death)" in p04.explanation and "12.0 months" in p04.explanation


def test_unknown_field_is_a_clear_error(demo_db: Database) -> None:
    with pytest.raises(CohortError, match="Unknown field 'colour'.*best_response"):
        analyze_cohort(summaries(demo_db), OVERALL_SURVIVAL, group_by="colour")
    with pytest.raises(CohortError, match="Unknown field"):
        analyze_cohort(summaries(demo_db), OVERALL_SURVIVAL, where=[Condition.parse("colour=red")])
    with pytest.raises(CohortError, match="is a number"):
        analyze_cohort(summaries(demo_db), OVERALL_SURVIVAL, group_by="age")
    with pytest.raises(CohortError, match="Cannot filter on 'age'"):
        analyze_cohort(summaries(demo_db), OVERALL_SURVIVAL, where=[Condition.parse("age=9")])
    with pytest.raises(CohortError, match="FIELD=VALUE"):
        Condition.parse("best_response")


def test_empty_population_is_a_clear_error(demo_db: Database) -> None:
    # a coded value that no demo case has (CML is not a value at all: refused, see below)
    with pytest.raises(CohortError, match="No case"):
        analyze_cohort(summaries(demo_db), OVERALL_SURVIVAL, where=[Condition.parse("diagnosis=other")])


def test_a_value_outside_a_coded_field_is_refused_with_the_values(demo_db: Database) -> None:
    with pytest.raises(CohortError, match=r"^'x' is not a value of sex \(Sex\); values: f, m\.$"):
        analyze_cohort(summaries(demo_db), OVERALL_SURVIVAL, where=[Condition.parse("sex=x")])
    with pytest.raises(CohortError, match="'CML' is not a value of diagnosis"):
        analyze_cohort(summaries(demo_db), OVERALL_SURVIVAL, where=[Condition.parse("diagnosis=CML")])


def test_texts_use_the_field_labels(demo_db: Database) -> None:
    result = analyze_cohort(summaries(demo_db), OVERALL_SURVIVAL, group_by="prior_hsct",
                            where=[Condition.parse("responder=yes"), Condition.parse("sex=F")])
    assert result.population_text() == "Complete remission after salvage (CR/CRi) = yes; Sex = female"
    assert "population: Complete remission after salvage (CR/CRi) = yes" in result.conventions()
    assert [result.group_title(i) for i in range(len(result.groups))] == [
        "Previous allogeneic HSCT = no", "Previous allogeneic HSCT = yes"]


def test_group_by_a_custom_field(demo_db: Database) -> None:
    with demo_db.session() as s:
        arm = CustomField(name="mrd_lab", kind="choice", choices="A\nB")
        s.add(arm)
        s.flush()
        for i, cid in enumerate(sorted(c.case_id for c in load_summaries(s))):
            s.add(CustomValue(case_id=cid, field_id=arm.id, value="A" if i % 2 else "B"))
    result = analyze_cohort(summaries(demo_db), OVERALL_SURVIVAL, group_by="mrd_lab",
                            custom_kinds={"mrd_lab": "choice"})
    assert [(g.label, g.n) for g in result.groups] == [("A", 4), ("B", 4)]
    assert "mrd_lab" in fields_for({"mrd_lab": "choice"})


def test_conventions_name_ci_median_rule_and_unit(demo_db: Database) -> None:
    text = analyze_cohort(summaries(demo_db), OVERALL_SURVIVAL, unit="weeks").conventions()
    assert "Greenwood, log transform" in text and "midpoint" in text and "weeks" in text


def test_endpoint_definitions_list_create_update(demo_db: Database) -> None:
    with demo_db.session() as s:
        assert [d.name for d in list_definitions(s)] == ["os", "efs", "efs-tf"]
        made = create_definition(s, "nrm", "Non-relapse mortality-free survival", death_causes=["therapy"])
        assert made.death_causes == ("therapy",)
        with pytest.raises(EndpointDefinitionError, match="already exists"):
            create_definition(s, "nrm", "again")
        with pytest.raises(EndpointDefinitionError, match="cannot be changed"):
            update_definition(s, "os", "OS", True, False, False)
        with pytest.raises(EndpointDefinitionError, match="at least one event"):
            create_definition(s, "none", "Nothing", death_is_event=False)
        update_definition(s, "nrm", "Therapy-related death", True, False, False, ["therapy", "other"])
    with demo_db.session() as s:
        stored = get_definition(s, "nrm")
    assert stored is not None and stored.death_causes == ("other", "therapy")
    rule = EndpointRule.from_definition(stored)
    assert rule.death_causes == frozenset({"other", "therapy"})
    # only P01 and P04 died of therapy-related causes
    assert analyze_cohort(summaries(demo_db), rule).overall.events == 2


def test_date_before_time_zero_is_excluded_with_reason(demo_db: Database) -> None:
    import datetime as dt

    cases = summaries(demo_db)
    cases[1] = CaseSummary(**{**cases[1].__dict__, "last_follow_up": dt.date(2000, 1, 1)})
    result = analyze_cohort(cases, OVERALL_SURVIVAL)
    assert [(x.study_id, "before time zero" in x.reason) for x in result.excluded] == [("P02", True)]


def test_efs_over_non_responders_warns_in_plain_words(demo_db: Database) -> None:
    cases = summaries(demo_db)
    warnings = analyze_cohort(cases, EVENT_FREE_SURVIVAL).warnings
    failure = [w for w in warnings if "never reached complete remission" in w]
    assert failure == [
        "3 cases never reached complete remission (P05, P06, P08); the article reports EFS for responders only: "
        "restrict the population to responders (responder = yes, i.e. CR or CRi) or use the endpoint 'efs-tf' "
        "that counts treatment failure as an event at day 0."
    ]
    responders = analyze_cohort(cases, EVENT_FREE_SURVIVAL, where=[Condition.parse("responder=yes")])
    assert not any("never reached" in w for w in responders.warnings)
    tf = EndpointRule("efs-tf", "EFS", relapse_is_event=True, treatment_failure_is_event=True)
    assert not any("never reached" in w for w in analyze_cohort(cases, tf).warnings)
    assert not any("never reached" in w for w in analyze_cohort(cases, OVERALL_SURVIVAL).warnings)


def test_median_ci_limits_say_not_reached_only_when_the_band_stays_above_half(demo_db: Database) -> None:
    cases = summaries(demo_db)
    seed = analyze_cohort(cases, OVERALL_SURVIVAL).overall.median
    assert seed.ci_upper is None and seed.upper_not_reached  # the last case is censored with the band above 0.5
    assert seed.as_text(1) == "8.0 months (95% CI 3.0 to not reached)"
    by_diagnosis = analyze_cohort(cases, EVENT_FREE_SURVIVAL, group_by="diagnosis")
    mpal = next(g for g in by_diagnosis.groups if g.label == "MPAL")
    assert mpal.n == 1 and mpal.median.median == pytest.approx(2.0, abs=0.05)
    assert (mpal.median.ci_lower, mpal.median.ci_upper) == (None, None)  # JSON keeps null
    assert not mpal.median.upper_not_reached  # S reached 0: the band ends, R prints NA
    assert mpal.median.as_text(2) == "2.00 months (95% CI not estimable to not estimable)"
    assert mpal.median.limit_texts(2, short=True) == ("NE", "NE")


@pytest.mark.parametrize(("unit", "note"), [
    ("months", "time in months (1 month = 30.4375 days)"), ("years", "time in years (1 year = 365.25 days)"),
    ("weeks", "time in weeks (1 week = 7 days)"), ("days", "time in days;"),
])
def test_unit_footnote_names_the_unit_in_days(demo_db: Database, unit: str, note: str) -> None:
    result = analyze_cohort(summaries(demo_db), OVERALL_SURVIVAL, unit=unit)
    assert note in result.conventions()
    if unit != "months":
        assert "30.4375" not in result.conventions()


def test_whole_days_print_without_decimals(demo_db: Database) -> None:
    median = analyze_cohort(summaries(demo_db), OVERALL_SURVIVAL, unit="days").overall.median
    assert median.as_text(1, unit="days") == "244 days (95% CI 91 to not reached)"
