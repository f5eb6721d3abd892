"""The report's models section: the Cox table, cumulative incidence by group with Gray's test, Fine–Gray;
and the hazard-ratio note on the grouped Kaplan–Meier figure."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from matplotlib.figure import Figure

from analysis.command import load_inputs
from analysis.rendering.report import ReportContext, write_report
from analysis.rendering.report_models import annotate_hazard_ratio, cox_table, draw_group_cif_panel
from analysis.rendering.result_figures import draw_km_panel
from analysis.statistics.cohort import CohortResult, analyze_cohort
from analysis.statistics.models import analyse_models
from storage.database import Database


@pytest.fixture
def result(demo_db: Database) -> CohortResult:
    inputs = load_inputs(demo_db)
    return analyze_cohort(inputs.summaries, inputs.rules["os"], at=[12, 36], group_by="prior_hsct")


def pdf_text(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(out.stdout.split())


def test_report_has_the_cox_model_gray_and_fine_gray(result: CohortResult, tmp_path: Path) -> None:
    models = analyse_models(result)
    assert models.cox is not None
    hr = models.cox.coefficients[0].hazard_ratio
    text = pdf_text(write_report(tmp_path / "r.pdf", result))
    assert "Cox proportional hazards model" in text
    assert f"{hr:.2f} (95% CI" in text and "Efron ties" in text
    assert "Gray's test chi-square 0.30 on 1 df, p = 0.5812" in text
    assert "Fine–Gray model: relapse" in text
    assert "No failure from this cause with Previous allogeneic HSCT = no" in text


def test_report_without_a_grouping_has_no_models_section(demo_db: Database, tmp_path: Path) -> None:
    inputs = load_inputs(demo_db)
    plain = analyze_cohort(inputs.summaries, inputs.rules["os"])
    assert "Cox proportional hazards model" not in pdf_text(write_report(tmp_path / "r.pdf", plain))
    with_age = pdf_text(write_report(tmp_path / "a.pdf", plain, ReportContext(covariates=("age",))))
    assert "Age at salvage, years (per 1)" in with_age


def test_cox_table_names_its_conventions(result: CohortResult) -> None:
    models = analyse_models(result, ["age"])
    assert models.cox is not None
    table = cox_table(models.cox)
    assert [row[0] for row in table.rows] == ["Previous allogeneic HSCT: yes vs no", "Age at salvage, years (per 1)"]
    assert "Efron ties" in table.note and "cox.zph" in table.note and "95% Wald CI" in table.note


def test_km_figure_carries_the_hazard_ratio_note(result: CohortResult) -> None:
    fig = Figure(figsize=(5, 4))
    draw_km_panel(fig, result)
    annotate_hazard_ratio(fig, analyse_models(result), result)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any(t.startswith("yes vs no: HR 2.87 (95% CI 0.52 to 15.89), p = 0.2281 (Cox)") and "log-rank p = 0.2196" in t for t in texts)


def test_group_cif_panel_draws_one_curve_per_group(result: CohortResult) -> None:
    fig = Figure()
    assert draw_group_cif_panel(fig, result, 1)
    assert len(fig.axes[0].lines) == 2
