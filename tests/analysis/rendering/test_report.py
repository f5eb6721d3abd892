"""The PDF report (what it says, read back with pdftotext) and figure export in every format."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from matplotlib.figure import Figure

from analysis.command import load_inputs
from analysis.figure_command import report_stamps
from analysis.rendering.figures import SINGLE_COLUMN_IN
from analysis.rendering.report import ReportContext, results_table, write_report
from analysis.rendering.result_figures import (
    cif_export_figure,
    draw_km_panel,
    export_figure,
    km_export_figure,
    relapse_and_nrm,
)
from analysis.statistics.cohort import CohortResult, analyze_cohort
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


def test_report_holds_figures_tables_definitions_explanations(
    demo_db: Database, result: CohortResult, tmp_path: Path
) -> None:
    inputs = load_inputs(demo_db)
    path = write_report(tmp_path / "report.pdf", result,
                        ReportContext(title=inputs.title, definitions=tuple(inputs.rules.values())),
                        generated=dt.datetime(2026, 1, 2, 3, 4))
    assert path.read_bytes().startswith(b"%PDF")
    text = pdf_text(path)
    assert "Melphalan + cytarabine salvage" in text
    assert "No data freeze" in text
    assert "Greenwood, log transform" in text and "R/SAS midpoint rule" in text
    assert "Log-rank test by Previous allogeneic HSCT" in text
    assert "Table 1. Patient characteristics" in text and "9.0 (1.1–18.0)" in text
    assert "5/8" in text and "24.5–91.5%" in text
    assert "Per-patient characteristics and outcomes" in text and "75.0+" in text
    assert "efs-tf:" in text  # every stored definition
    assert "P04: event (death) on" in text
    assert "Relapse and non-relapse mortality" in text


def test_report_carries_the_data_freeze_label(demo_db: Database, tmp_path: Path) -> None:
    from storage.safety.freeze import freeze_dataset

    assert report_stamps(demo_db)[0] is None
    with demo_db.session() as s:
        info = freeze_dataset(s, dt.date(2022, 1, 1))
    label = report_stamps(demo_db)[0]
    assert label is not None and info.label in label
    inputs = load_inputs(demo_db)
    res = analyze_cohort(inputs.summaries, inputs.rules["os"])
    text = pdf_text(write_report(tmp_path / "r.pdf", res, ReportContext(freeze_label=label)))
    assert f"Data freeze {info.label}" in text


def test_results_table_rows(result: CohortResult) -> None:
    table = results_table(result)
    assert [r[:4] for r in table.rows] == [("no", "4", "2", "2"), ("yes", "4", "4", "0")]
    assert "midpoint" in table.note


@pytest.mark.parametrize("suffix", ["png", "svg", "pdf", "tiff", "tif"])
def test_export_every_format(result: CohortResult, tmp_path: Path, suffix: str) -> None:
    path = export_figure(km_export_figure(result, dpi=300), tmp_path / f"km.{suffix}", dpi=300)
    head = path.read_bytes()[:8]
    magic = {"png": b"\x89PNG", "pdf": b"%PDF", "tiff": b"II*\x00", "tif": b"II*\x00"}
    if suffix == "svg":
        assert b"<svg" in path.read_bytes()[:2000]
    else:
        assert head.startswith(magic[suffix])


def test_png_export_is_single_column_at_300_dpi(result: CohortResult, tmp_path: Path) -> None:
    from matplotlib.image import imread

    image = imread(export_figure(km_export_figure(result), tmp_path / "km.png"))
    assert image.shape[1] == round(SINGLE_COLUMN_IN * 300)


def test_unknown_export_format_is_refused(result: CohortResult, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="PNG, SVG, PDF or TIFF"):
        export_figure(km_export_figure(result), tmp_path / "km.jpg")


def test_relapse_and_non_relapse_mortality(result: CohortResult) -> None:
    cif = relapse_and_nrm(result.cases)
    assert cif is not None and cif.n == 8
    # relapse/progression: P03, P07 (2 mo), P05, P08 (disease deaths, 2 mo), P02 (4 mo) = 5/8 with no censoring
    assert cif.relapse.estimate[-1] == pytest.approx(5 / 8)
    # non-relapse mortality: P04 (12 mo), P01 (42 mo); P06 censored at 50
    assert cif.non_relapse_mortality.estimate[-1] == pytest.approx(2 / 8)
    assert cif_export_figure(cif).axes


def test_relapse_incidence_is_labelled_with_the_disease_deaths_it_counts(result: CohortResult) -> None:
    cif = relapse_and_nrm(result.cases)
    assert cif is not None
    legend = cif_export_figure(cif).axes[0].get_legend()
    assert [t.get_text() for t in legend.get_texts()] == [
        "Relapse, progression or disease-related death", "Non-relapse (therapy-related or other) death",
        "95% CI, log-log transform"]
    assert cif.definition.startswith("Relapse, progression or disease-related death: first relapse")
    assert "more than the recorded relapses of the Rates table" in cif.definition


def test_km_panel_draws_plot_and_risk_table_on_a_given_figure(result: CohortResult) -> None:
    fig = Figure()
    draw_km_panel(fig, result, show_ci=False)
    plot, table = fig.axes
    assert len(plot.lines) >= 2 and not plot.collections  # no CI bands
    assert {t.get_text() for t in table.texts} >= {"4 (0)", "0 (4)"}


def test_large_cohort_leaves_out_merged_censor_marks_and_says_so() -> None:
    import datetime as dt

    from analysis.rendering.result_figures import MAX_CENSOR_MARKS, km_panel_caption
    from analysis.statistics.endpoints import OVERALL_SURVIVAL

    class Case:
        def __init__(self, i: int) -> None:
            self.study_id = f"S{i}"
            self.time_zero = dt.date(2015, 1, 1)
            self.first_relapse_date = None
            self.death_date = None if i % 2 else self.time_zero + dt.timedelta(days=1 + i % 900)
            self.death_cause = "disease" if self.death_date else None
            self.last_follow_up = self.death_date or self.time_zero + dt.timedelta(days=1 + i % 1000)
            self.treatment_failure = False

    res = analyze_cohort([Case(i) for i in range(2 * MAX_CENSOR_MARKS + 400)], OVERALL_SURVIVAL)
    assert "censor marks omitted" in km_panel_caption(res) and "+ = censored" not in km_panel_caption(res)
    fig = km_export_figure(res)
    plot = fig.axes[0]
    assert not [line for line in plot.lines if line.get_marker() == "+"]


def test_export_km_figure_names_the_endpoint_and_keeps_the_legend_off_the_data(demo_db: Database) -> None:
    inputs = load_inputs(demo_db)
    tf = analyze_cohort(inputs.summaries, inputs.rules["efs-tf"])
    fig = km_export_figure(tf)
    plot = fig.axes[0]
    # the endpoint, wrapped to fit the 85 mm axis, never "Survival probability"
    assert plot.get_ylabel().replace("\n", " ") == tf.rule.label and "\n" in plot.get_ylabel()
    # treatment failures at day 0: the curve starts at 1 at t = 0 and drops there, visibly right of the axis
    line = plot.lines[0]
    assert (line.get_xdata()[0], line.get_ydata()[0]) == (0.0, 1.0)
    assert line.get_xdata()[1] == 0.0 and line.get_ydata()[1] == pytest.approx(5 / 8)
    assert plot.get_xlim()[0] < 0
    legend = plot.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["All cases", "95% CI, log transform"]
    fig.canvas.draw()
    assert legend.get_window_extent().y0 >= plot.get_window_extent().y1 - 1  # above the plot, on no data


def test_grouped_export_titles_the_legend_with_the_field_label(result: CohortResult) -> None:
    fig = km_export_figure(result, show_ci=False)
    legend = fig.axes[0].get_legend()
    assert legend.get_title().get_text() == "Previous allogeneic HSCT"
    assert [t.get_text() for t in legend.get_texts()] == ["no", "yes"]
    assert fig.axes[0].get_xlim()[0] == 0.0  # no event at day 0: the axis starts at 0
