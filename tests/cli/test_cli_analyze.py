"""The analyze subcommand: the fixed JSON contract on the demo, the readable table, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from storage.generated.demo import write_demo

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), "analyze", *args],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("cli") / "demo.db"
    write_demo(path).close()
    return str(path)


def test_json_contract_on_the_demo(demo_path: str) -> None:
    result = run("--db", demo_path, "--endpoint", "os", "--at", "36", "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    # issue 4's keys first, in their order; issue 13 only adds keys after them
    assert list(out)[:6] == ["endpoint", "unit", "conf_type", "conf_level", "groups", "logrank"]
    assert {"follow_up", "cif", "table1", "rates"} <= set(out)
    assert (out["endpoint"], out["unit"], out["conf_type"], out["conf_level"]) == ("os", "months", "log", 0.95)
    assert out["logrank"] is None
    (group,) = out["groups"]
    assert list(group)[:7] == ["label", "n", "events", "censored", "median", "median_ci", "at"]
    assert group["median_status"] == "estimate" and group["median_ci_status"] == ["estimate", "not_reached"]
    assert (group["label"], group["n"], group["events"], group["censored"]) == ("all", 8, 6, 2)
    assert group["median"] == pytest.approx(8.0, abs=0.05)
    assert group["median_ci"][0] == pytest.approx(3.0, abs=0.05) and group["median_ci"][1] is None
    (at36,) = group["at"]
    assert {k: at36[k] for k in ("time", "survival", "at_risk", "events", "censored")} == {
        "time": 36, "survival": 0.375, "at_risk": 3, "events": 5, "censored": 0}
    assert at36["ci"] == pytest.approx([0.1533, 0.9174], abs=5e-5)


def test_json_is_the_only_output_and_never_rounded(demo_path: str) -> None:
    result = run("--db", demo_path, "--endpoint", "os", "--json")
    assert result.stdout.count("\n") == 1
    assert json.loads(result.stdout)["groups"][0]["median"] == (122 / 30.4375 + 366 / 30.4375) / 2


def test_group_by_and_where(demo_path: str) -> None:
    result = run("--db", demo_path, "--endpoint", "efs", "--where", "best_response=CR", "--group-by",
                 "prior_hsct", "--conf-type", "log-log", "--json")
    out = json.loads(result.stdout)
    assert [(g["label"], g["n"]) for g in out["groups"]] == [("no", 3), ("yes", 2)]
    assert {"chisq", "df", "p", "reason"} <= set(out["logrank"]) and out["logrank"]["df"] == 1
    assert out["conf_type"] == "log-log"


def test_median_efs_among_responders(demo_path: str) -> None:
    out = json.loads(run("--db", demo_path, "--endpoint", "efs", "--where", "best_response=CR", "--json").stdout)
    assert out["groups"][0]["n"] == 5 and out["groups"][0]["median"] == pytest.approx(4.0, abs=0.05)


def test_readable_table_names_conventions(demo_path: str) -> None:
    result = run("--db", demo_path, "--endpoint", "os", "--at", "12", "36", "--unit", "months")
    assert result.returncode == 0
    text = result.stdout
    assert "Greenwood, log transform" in text and "midpoint rule" in text and "months" in text
    assert "8.02 (2.99 to NR)" in text and "37.5%" in text and "50.0%" in text
    assert "reverse Kaplan–Meier" in text


def test_readable_table_says_not_estimable_where_r_prints_na(demo_path: str) -> None:
    result = run("--db", demo_path, "--endpoint", "efs", "--group-by", "diagnosis")
    mpal = next(line for line in result.stdout.splitlines() if line.startswith("MPAL"))
    assert mpal.endswith("2.00 (NE to NE)")
    assert "NR = not reached; NE = not estimable" in result.stdout
    out = json.loads(run("--db", demo_path, "--endpoint", "efs", "--group-by", "diagnosis", "--json").stdout)
    assert next(g for g in out["groups"] if g["label"] == "MPAL")["median_ci"] == [None, None]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--endpoint", "pfs"), "Unknown endpoint 'pfs'"),
        (("--endpoint", "os", "--group-by", "colour"), "Unknown field 'colour'"),
        (("--endpoint", "os", "--where", "colour=red"), "Unknown field 'colour'"),
        (("--endpoint", "os", "--where", "sex=x"), "'x' is not a value of sex (Sex); values: f, m."),
        (("--endpoint", "os", "--unit", "fortnights"), "Unknown unit"),
        (("--endpoint", "os", "--conf-type", "arcsine"), "Unknown --conf-type"),
        (("--endpoint", "os", "--at", "soon"), "--at takes"),
        (("--endpoint", "os", "--where", "best_response"), "FIELD=VALUE"),
        ((), "--endpoint is required"),
    ],
)
def test_bad_argument_one_line_no_traceback(demo_path: str, args: tuple[str, ...], message: str) -> None:
    result = run("--db", demo_path, *args)
    assert result.returncode != 0
    assert result.stdout == ""
    assert message in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1


def test_missing_database(tmp_path: Path) -> None:
    result = run("--db", str(tmp_path / "none.db"), "--endpoint", "os")
    assert result.returncode != 0 and "no database" in result.stderr and result.stderr.count("\n") == 1
    assert not (tmp_path / "none.db").exists()


def test_aml_group_by_through_import_and_cli_matches_r(tmp_path: Path) -> None:
    """R survival::aml imported from the flat template, then `analyze --group-by` (R: chisq 3.396, p 0.0653)."""
    from storage.database import create_database
    from storage.interchange.imports.importing import ImportOptions, import_file

    db = create_database(tmp_path / "aml.db")
    try:
        assert import_file(db, ROOT / "tests" / "fixtures" / "r_survival_aml.csv", ImportOptions(add_fields=True)).written
    finally:
        db.close()
    result = run("--db", str(tmp_path / "aml.db"), "--endpoint", "os", "--unit", "weeks", "--group-by",
                 "maintenance", "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert [(g["label"], g["n"], g["events"], g["median"], g["median_ci"]) for g in out["groups"]] == [
        ("Maintained", 11, 7, 31.0, [18.0, None]),
        ("Nonmaintained", 12, 11, 23.0, [8.0, None]),
    ]
    lr = out["logrank"]
    assert (lr["chisq"], lr["df"], lr["p"]) == (pytest.approx(3.396, abs=5e-4), 1, pytest.approx(0.0653, abs=5e-5))


def test_help_documents_every_field() -> None:
    from analysis.statistics.cohort import FIELDS

    result = subprocess.run([sys.executable, str(ROOT / "main.py"), "analyze", "--help"],
                            capture_output=True, text=True, timeout=120)
    text = " ".join(result.stdout.split())
    missing = [name for name in FIELDS if f"{name} " not in text and f"{name}," not in text]
    assert not missing


def test_building_the_parser_imports_no_heavy_module() -> None:
    code = ("import sys, argparse; from analysis.command import add_parser; "
            "add_parser(argparse.ArgumentParser().add_subparsers()); "
            "print(sorted(m for m in ('numpy', 'scipy', 'matplotlib', 'pandas', 'sqlalchemy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr


def test_landmark_beyond_follow_up_is_null(demo_path: str) -> None:
    out = json.loads(run("--db", demo_path, "--endpoint", "os", "--at", "100", "--json").stdout)
    assert out["groups"][0]["at"] == [{"time": 100, "survival": None, "ci": [None, None],
                                       "at_risk": 0, "events": 6, "censored": 2, "std_err": None,
                                       "interval_events": 6, "interval_censored": 2}]


def test_cox_gray_and_fine_gray_keys_with_a_grouping(demo_path: str) -> None:
    out = json.loads(run("--db", demo_path, "--endpoint", "os", "--group-by", "prior_hsct", "--covariates", "age",
                         "--json").stdout)
    assert out["covariates"] == ["prior_hsct", "age"]
    assert [c["name"] for c in out["cox"]["coefficients"]] == ["prior_hsct=yes", "age"]
    assert out["cox"]["ties"] == "Efron" and out["cox"]["proportional_hazards"]["global"]["df"] == 2
    assert [t["cause"] for t in out["gray"]["tests"]] == ["relapse", "non_relapse_mortality"]
    assert [m["cause"] for m in out["fine_gray"]] == ["relapse", "non_relapse_mortality"]


def test_no_model_keys_without_a_grouping_or_covariates(demo_path: str) -> None:
    out = json.loads(run("--db", demo_path, "--endpoint", "os", "--json").stdout)
    assert (out["covariates"], out["cox"], out["gray"], out["fine_gray"]) == ([], None, None, None)


def test_reference_and_conf_level_on_the_command_line(demo_path: str) -> None:
    result = run("--db", demo_path, "--endpoint", "os", "--group-by", "prior_hsct", "--reference", "yes",
                 "--conf-level", "0.9")
    assert result.returncode == 0, result.stderr
    assert "Previous allogeneic HSCT: no vs yes: HR" in result.stdout and "90% CI" in result.stdout


@pytest.mark.parametrize(("args", "message"), [
    (("--covariates", "colour"), "Unknown covariate 'colour'"),
    (("--group-by", "sex", "--reference", "x"), "'x' is not a level of sex"),
    (("--conf-level", "95"), "--conf-level must be at least 0.5 and below 1"),
    (("--covariates", "age", "--reference", "10"), "age is a number (its hazard ratio is per unit)"),
])
def test_bad_model_arguments_are_one_line(demo_path: str, args: tuple[str, ...], message: str) -> None:
    result = run("--db", demo_path, "--endpoint", "os", *args)
    assert result.returncode == 2 and message in result.stderr and result.stderr.count("\n") == 1


def test_no_models_leaves_out_cox_gray_and_fine_gray(demo_path: str) -> None:
    """--no-models: the Kaplan–Meier and log-rank numbers unchanged, the model keys null."""
    full = json.loads(run("--db", demo_path, "--endpoint", "os", "--group-by", "prior_hsct", "--json").stdout)
    bare = json.loads(run("--db", demo_path, "--endpoint", "os", "--group-by", "prior_hsct", "--json",
                          "--no-models").stdout)
    assert full["cox"] is not None and bare["cox"] is None and bare["gray"] is None and bare["fine_gray"] is None
    assert bare["groups"] == full["groups"] and bare["logrank"] == full["logrank"]
    refused = run("--db", demo_path, "--endpoint", "os", "--no-models", "--covariates", "age")
    assert refused.returncode != 0 and "--no-models" in refused.stderr
