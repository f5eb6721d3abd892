"""The article's patient 5 entered completely with key events only, then every fact read from the database."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy import select

from gui.shell.main_window import MainWindow
from gui.shell.settings import Settings
from storage.database import Database
from storage.record.case_documents import load_document
from storage.record.models import Case

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from _case_entry import FACTS, Keyboard, enter_patient_5  # noqa: E402


def test_patient_5_by_keyboard_alone(qtbot, monkeypatch, empty_db: Database, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Cancel)
    window = MainWindow(empty_db, settings)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    keys = Keyboard(window)
    enter_patient_5(window, keys)
    assert window.form is not None
    assert not window.form.is_dirty(), window.form.problems  # saved: nothing left unsaved
    with empty_db.session() as s:
        case_id = s.scalar(select(Case.id).where(Case.study_id == "P05"))
        assert case_id is not None, list(s.scalars(select(Case.study_id)))
        doc = load_document(s, case_id)
    f = FACTS
    assert (doc["sex"], doc["diagnosis"], doc["subtype"]) == ("m", "ALL", "ALL")
    assert doc["identity"] == {"name": f["name"], "hospital_number": f["hospital_number"],
                               "birth_date": f["birth_date"]}
    assert doc["initial_diagnosis_date"] == f["initial_diagnosis_date"]
    assert doc["high_risk_cytogenetics"] is True
    assert [x["finding"] for x in doc["findings"]] == [f["finding"]]
    assert (doc["disease_status"], doc["relapse_number"], doc["prior_regimens"]) == ("relapse", 3, 3)
    assert doc["prior_therapies"] == "blinatumomab"
    assert [t["transplant_date"] for t in doc["prior_transplants"]] == [f["prior_transplant_date"]]
    [course] = doc["courses"]
    assert (course["course_number"], course["start_date"]) == (1, "2018-09-10")
    drugs = [(d["drug"], d["dose"], d["unit"], d["doses"], d["route"], d["dose_modification"])
             for d in course["drugs"]]
    assert drugs == f["drugs"]
    assessments = [(a["assessed_on"], a["timing"], a["specimen"], a["blast_percent"], a["response"])
                   for a in doc["assessments"]]
    assert assessments == f["assessments"]
    assert [(t["therapy"], t["start_date"]) for t in doc["subsequent_therapies"]] == [f["therapy"]]
    assert doc["death"]["death_date"] == f["death_date"] and doc["death"]["cause"] == "disease"
    assert doc["transplants"] == [] and doc["relapses"] == []
    # what the clinician checks on screen: age at time zero 5.6 years, OS 2.0 months (event), EFS NA
    row = window.case_list.model.row_of_case(case_id)
    assert row is not None
    shown = [window.case_list.model.data(window.case_list.model.index(row, c)) for c in range(11)]
    assert shown[1:5] == ["5.6", "male", "ALL", "third relapse"]
    assert shown[5] == "NR" and shown[6] == "no"
    assert shown[7] == "2.0 (event)" and shown[8] == "NA (no CR)"
    assert keys.events < 400
