"""The article's eight cases as their authors might have kept them: one row per patient, German headers
and values, dd.mm.yyyy dates, decimal commas and Table 2's dose cells; written by the tests as a
semicolon CSV in Windows-1252 (what German Excel saves) and as an XLSX with real date cells.

The dates are the demo cohort's reconstruction (resources/demo/demo_cohort.json), so that the
article's OS and EFS months come out of the imported dates.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

from storage.generated.demo import FICTITIOUS_NAMES, demo_cases

SEX = {"f": "w", "m": "m"}
DIAGNOSIS = {"ALL": "ALL", "AML": "AML", "MPAL": "Mischleukämie", "T-LBL": "T-LBL"}
RESPONSE = {"CR": "komplette Remission", "NR": "keine Remission"}
DONOR = {"MMFD": "haploidentisch", "MUD": "Fremdspender", None: ""}
SITE = {"marrow": "Knochenmark", "extramedullary": "extramedullär"}
CAUSE = {"disease": "krankheitsbedingt", "therapy": "therapiebedingt"}
SPECIMEN = {"BM": "KM", "PB": "Blut"}
MELPHALAN = {"P03": "2 × 60 mg/m² (high: very aggressive disease)", "P05": "1 x 20 mg/m2 (low: cumulative toxicity)"}
CYTARABINE = {"P05": "10 x 100 mg/m2 Dauerinfusion (low: cumulative toxicity)",
              "P08": "5 × 100 mg/m² (low: cumulative toxicity)"}
OTHER = {"P01": "Anti-CD19-Antikörper 20 mg/m²", "P07": "Daratumumab 16 mg/kg",
         "P08": "Venetoclax 100 mg p.o. und 200 mg p.o."}
WEIGHT = {"P01": "58,5", "P02": "9,8", "P03": "19,5", "P04": "38", "P05": "17,25", "P06": "10,1", "P07": "47,0",
          "P08": "44,4"}

# header -> the field it fills (the mapping the investigator saves); the first six as the suggestion finds them
MAPPING = {
    "Pat.-Nr.": "study_id", "Name": "name", "Geburtsdatum": "birth_date", "Geschlecht": "sex",
    "Diagnose": "diagnosis", "Immunphänotyp": "subtype", "Erstdiagnose": "initial_diagnosis_date",
    "Zytogenetik": "cytogenetics", "Hochrisiko-Zytogenetik": "high_risk_cytogenetics",
    "Status bei Salvage": "disease_status", "Anzahl Vor-HSZT": "prior_hsct_count", "Datum Vor-HSZT": "prior_hsct_dates",
    "Beginn Mel/Ara-C": "salvage_start", "Gewicht (kg)": "weight_kg",
    "Blasten KM prä": "bm_blasts_pre", "MRD prä": "pre_assessment[1].mrd_percent",
    "Melphalan Dosis": "course[1].drug[melphalan]", "Cytarabin Dosis": "course[1].drug[cytarabine]",
    "Intrathekal": "course[1].intrathecal", "Weitere Medikamente": "course[1].other_drugs",
    **{f"{what} {n}": f"assessment[{n}].{attr}" for n in (1, 2) for what, attr in (
        ("Datum KMP post", "assessed_on"), ("Material", "specimen"), ("Remission", "response"),
        ("Blasten post", "blast_percent"), ("MRD post", "mrd_percent"), ("MRD negativ", "mrd_negative"),
        ("Befund", "note"))},
    **{f"{what} {n}": f"transplant[{n}].{attr}" for n in (1, 2) for what, attr in (
        ("Datum HSZT", "transplant_date"), ("Spender", "donor_type"))},
    "Rezidiv Datum": "relapse[1].relapse_date", "Rezidiv Ort": "relapse[1].site", "Rezidiv Bemerkung": "relapse[1].note",
    "Todesdatum": "death_date", "Todesursache": "death_cause", "Todesursache Details": "death_cause_detail",
    "Letzter Kontakt": "last_follow_up", "Status letzter Kontakt": "last_follow_up_status", "Bemerkungen": "notes",
    "Station": "",  # the ward the patient lay on: not wanted in the study
}
HEADER = list(MAPPING)


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:g}%".replace(".", ",")


def rows(real_dates: bool = False) -> list[list[Any]]:
    """One row per case; dates as dd.mm.yyyy text, or as dates (for an XLSX's date cells)."""
    out = []
    for index, raw in enumerate(demo_cases()):
        zero = dt.date.fromisoformat(raw["time_zero"])

        def day(offset: int | None, zero: dt.date = zero) -> Any:
            if offset is None:
                return ""
            when = zero + dt.timedelta(days=offset)
            return when if real_dates else f"{when:%d.%m.%Y}"

        sid = raw["study_id"]
        pre = next(a for a in raw["assessments"] if a["timing"] == "pre")
        post = [a for a in raw["assessments"] if a["timing"] == "post"]
        drugs = {(d[0], d[4]): d for d in raw["drugs"]}
        mel, ara = drugs[("melphalan", "IV")], drugs.get(("cytarabine", "IV")) or drugs[("cytarabine", "CI")]
        intrathecal = " + ".join(f"{d[0].replace('cytarabine', 'Cytarabin').replace('prednisolone', 'Prednisolon')} "
                                 f"{d[1]:g} mg" for d in raw["drugs"] if d[4] == "IT")
        death, follow = raw["death"], raw["follow_up"]
        row: dict[str, Any] = {
            "Pat.-Nr.": sid, "Name": FICTITIOUS_NAMES[index], "Geburtsdatum": day(-raw["age_days"]),
            "Geschlecht": SEX[raw["sex"]], "Diagnose": DIAGNOSIS[raw["diagnosis"]], "Immunphänotyp": raw["subtype"],
            "Erstdiagnose": day(raw["diagnosis_offset"]), "Zytogenetik": " | ".join(raw["findings"]),
            "Hochrisiko-Zytogenetik": "ja" if raw["high_risk"] else "nein",
            "Status bei Salvage": f"{raw['relapse_number']}. Rezidiv" if raw["status"] == "relapse" else "primär refraktär",
            "Anzahl Vor-HSZT": str(len(raw["prior_transplants"])),
            "Datum Vor-HSZT": " | ".join(str(day(t["offset"])) for t in raw["prior_transplants"]),
            "Beginn Mel/Ara-C": day(0), "Gewicht (kg)": WEIGHT[sid],
            "Blasten KM prä": _percent(pre.get("blast")), "MRD prä": _percent(pre.get("mrd")),
            "Melphalan Dosis": MELPHALAN.get(sid, f"{mel[3]} × {mel[1]:g} mg/m²"),
            "Cytarabin Dosis": CYTARABINE.get(sid, f"{ara[3]} × {ara[1]:g} g/m²"),
            "Intrathekal": intrathecal, "Weitere Medikamente": OTHER.get(sid, ""),
            "Rezidiv Datum": day(raw["relapses"][0]["offset"]) if raw["relapses"] else "",
            "Rezidiv Ort": SITE[raw["relapses"][0]["site"]] if raw["relapses"] else "",
            "Rezidiv Bemerkung": (raw["relapses"][0]["note"] or "") if raw["relapses"] else "",
            "Todesdatum": day(death["offset"]) if death else "",
            "Todesursache": CAUSE[death["cause"]] if death else "",
            "Todesursache Details": death["detail"] if death else "",
            "Letzter Kontakt": day(death["offset"] if death else follow["offset"]),
            "Status letzter Kontakt": "" if death else "in Remission", "Bemerkungen": raw["notes"] or "",
            "Station": "Kinder 2",
        }
        for n in (1, 2):
            a = post[n - 1] if len(post) >= n else {}
            row.update({f"Datum KMP post {n}": day(a.get("offset")), f"Material {n}": SPECIMEN.get(a.get("specimen"), ""),
                        f"Remission {n}": RESPONSE.get(a.get("response"), ""),
                        f"Blasten post {n}": _percent(a.get("blast")), f"MRD post {n}": _percent(a.get("mrd")),
                        f"MRD negativ {n}": "ja" if a.get("mrd_negative") else "", f"Befund {n}": a.get("note") or ""})
            t = raw["transplants"][n - 1] if len(raw["transplants"]) >= n else {}
            row.update({f"Datum HSZT {n}": day(t.get("offset")), f"Spender {n}": DONOR[t.get("donor")]})
        out.append([row[h] for h in HEADER])
    return out


def write_csv(path: Path) -> Path:
    """Semicolon-separated, Windows-1252, CRLF: what German Excel's 'CSV (Trennzeichen-getrennt)' writes."""
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";", lineterminator="\r\n")  # quotes "t(4;11) ..." as Excel does
    writer.writerow(HEADER)
    writer.writerows(rows())
    path.write_bytes(text.getvalue().encode("cp1252"))
    return path


def write_xlsx(path: Path) -> Path:
    """The same sheet as a workbook with real date cells (formatted TT.MM.JJJJ) and percent cells."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Patienten"
    sheet.append(HEADER)
    percent = {HEADER.index(h) for h in ("Blasten KM prä", "MRD prä")}
    for row in rows(real_dates=True):
        values: list[Any] = list(row)
        for i in percent:
            if values[i]:
                values[i] = float(values[i].rstrip("%").replace(",", ".")) / 100  # 0.13 shown as 13%
        sheet.append(values)
        for i, cell in enumerate(sheet[sheet.max_row]):
            if isinstance(cell.value, dt.date):
                cell.number_format = "DD.MM.YYYY"
            elif i in percent and cell.value is not None:
                cell.number_format = "0%"
    book.save(path)
    return path
