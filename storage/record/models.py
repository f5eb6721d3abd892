"""The case record as SQLAlchemy 2 declarative models.

Only the study ID of a case is mandatory: retrospective collection fills a case in over weeks.
What is impossible is refused by storage.record.rules, which runs on every flush.
Identifying data (name, hospital number, date of birth) lives in its own table so that every
export can leave it out.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

DAYS_PER_YEAR = 365.25


class Base(DeclarativeBase):
    pass


def _child() -> Any:
    return {"cascade": "all, delete-orphan", "passive_deletes": True}


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[str] = mapped_column(String(40), unique=True)
    sex: Mapped[str | None] = mapped_column(String(1))
    diagnosis: Mapped[str | None] = mapped_column(String(10), index=True)
    subtype: Mapped[str | None] = mapped_column(String(120))
    initial_diagnosis_date: Mapped[dt.date | None] = mapped_column(Date)
    high_risk_cytogenetics: Mapped[bool | None] = mapped_column(Boolean)
    disease_status: Mapped[str | None] = mapped_column(String(12))
    relapse_number: Mapped[int | None] = mapped_column(Integer)
    prior_regimens: Mapped[int | None] = mapped_column(Integer)
    prior_therapies: Mapped[str | None] = mapped_column(Text)
    best_response_override: Mapped[str | None] = mapped_column(String(4))
    best_response_override_reason: Mapped[str | None] = mapped_column(Text)
    last_follow_up: Mapped[dt.date | None] = mapped_column(Date)
    last_follow_up_status: Mapped[str | None] = mapped_column(String(12))
    notes: Mapped[str | None] = mapped_column(Text)

    identity: Mapped[Identity | None] = relationship(back_populates="case", uselist=False, **_child())
    findings: Mapped[list[CytogeneticFinding]] = relationship(back_populates="case", **_child())
    prior_transplants: Mapped[list[PriorTransplant]] = relationship(back_populates="case", **_child())
    courses: Mapped[list[SalvageCourse]] = relationship(
        back_populates="case", order_by="SalvageCourse.course_number", **_child()
    )
    assessments: Mapped[list[ResponseAssessment]] = relationship(
        back_populates="case", order_by="ResponseAssessment.assessed_on", **_child()
    )
    transplants: Mapped[list[Transplant]] = relationship(
        back_populates="case", order_by="Transplant.transplant_date", **_child()
    )
    complications: Mapped[list[Complication]] = relationship(back_populates="case", **_child())
    subsequent_therapies: Mapped[list[SubsequentTherapy]] = relationship(back_populates="case", **_child())
    relapses: Mapped[list[Relapse]] = relationship(
        back_populates="case", order_by="Relapse.relapse_date", **_child()
    )
    death: Mapped[Death | None] = relationship(back_populates="case", uselist=False, **_child())
    custom_values: Mapped[list[CustomValue]] = relationship(back_populates="case", **_child())

    @property
    def time_zero(self) -> dt.date | None:
        """Day 1 of the first salvage course."""
        starts = [c.start_date for c in self.courses if c.start_date is not None]
        return min(starts) if starts else None

    @property
    def age_at_time_zero(self) -> float | None:
        """Age in years at day 1 of salvage, from the date of birth kept with the identifying data."""
        zero = self.time_zero
        if zero is None or self.identity is None or self.identity.birth_date is None:
            return None
        return (zero - self.identity.birth_date).days / DAYS_PER_YEAR


class Identity(Base):
    """Direct identifiers. Never exported, never shown outside the identification section."""

    __tablename__ = "identities"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    hospital_number: Mapped[str | None] = mapped_column(String(60))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    case: Mapped[Case] = relationship(back_populates="identity")


class CytogeneticFinding(Base):
    __tablename__ = "cytogenetic_findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    finding: Mapped[str] = mapped_column(String(200))
    case: Mapped[Case] = relationship(back_populates="findings")


class PriorTransplant(Base):
    """An allogeneic HSCT before salvage."""

    __tablename__ = "prior_transplants"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    transplant_date: Mapped[dt.date | None] = mapped_column(Date)
    donor_type: Mapped[str | None] = mapped_column(String(6))
    case: Mapped[Case] = relationship(back_populates="prior_transplants")


class SalvageCourse(Base):
    __tablename__ = "salvage_courses"
    __table_args__ = (UniqueConstraint("case_id", "course_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    course_number: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    height_cm: Mapped[float | None] = mapped_column(Float)
    weight_kg: Mapped[float | None] = mapped_column(Float)
    case: Mapped[Case] = relationship(back_populates="courses")
    drugs: Mapped[list[DrugAdministration]] = relationship(back_populates="course", **_child())

    @property
    def body_surface_area(self) -> float | None:
        return mosteller_bsa(self.height_cm, self.weight_kg)


def mosteller_bsa(height_cm: float | None, weight_kg: float | None) -> float | None:
    """Body-surface area in m² by Mosteller: sqrt(height [cm] × weight [kg] / 3600)."""
    if not height_cm or not weight_kg or height_cm <= 0 or weight_kg <= 0:
        return None
    return math.sqrt(height_cm * weight_kg / 3600.0)


def total_dose(
    dose: float | None, unit: str | None, doses: int | None, height_cm: float | None, weight_kg: float | None
) -> tuple[float, str] | None:
    """Total absolute dose over the course (mg or g), or None if a needed measure is missing."""
    if dose is None or unit is None:
        return None
    count = doses or 1
    if unit == "mg":
        return dose * count, "mg"
    if unit == "mg/kg":
        return (dose * count * weight_kg, "mg") if weight_kg else None
    bsa = mosteller_bsa(height_cm, weight_kg)
    if bsa is None:
        return None
    return dose * count * bsa, "g" if unit == "g/m2" else "mg"


class DrugAdministration(Base):
    __tablename__ = "drug_administrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("salvage_courses.id", ondelete="CASCADE"), index=True)
    drug: Mapped[str] = mapped_column(String(120))
    dose: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(6))
    doses: Mapped[int | None] = mapped_column(Integer)
    route: Mapped[str | None] = mapped_column(String(4))
    dose_modification: Mapped[str | None] = mapped_column(Text)
    course: Mapped[SalvageCourse] = relationship(back_populates="drugs")

    @property
    def total(self) -> tuple[float, str] | None:
        c = self.course
        return total_dose(self.dose, self.unit, self.doses, c.height_cm if c else None, c.weight_kg if c else None)


class ResponseAssessment(Base):
    __tablename__ = "response_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    assessed_on: Mapped[dt.date | None] = mapped_column(Date)
    timing: Mapped[str | None] = mapped_column(String(6))  # "pre" or "post" salvage
    specimen: Mapped[str | None] = mapped_column(String(2))
    blast_percent: Mapped[float | None] = mapped_column(Float)
    mrd_percent: Mapped[float | None] = mapped_column(Float)
    mrd_negative: Mapped[bool | None] = mapped_column(Boolean)
    mrd_method: Mapped[str | None] = mapped_column(String(4))
    response: Mapped[str | None] = mapped_column(String(4))
    note: Mapped[str | None] = mapped_column(Text)
    case: Mapped[Case] = relationship(back_populates="assessments")


class Transplant(Base):
    """Allogeneic (or autologous) HSCT after salvage."""

    __tablename__ = "transplants"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    transplant_date: Mapped[dt.date | None] = mapped_column(Date)
    donor_type: Mapped[str | None] = mapped_column(String(6))
    transplant_number: Mapped[int | None] = mapped_column(Integer)
    case: Mapped[Case] = relationship(back_populates="transplants")


class Complication(Base):
    __tablename__ = "complications"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    term: Mapped[str] = mapped_column(String(20))
    description: Mapped[str | None] = mapped_column(Text)
    grade: Mapped[int | None] = mapped_column(Integer)
    onset: Mapped[dt.date | None] = mapped_column(Date)
    resolved_on: Mapped[dt.date | None] = mapped_column(Date)
    intensive_care: Mapped[bool | None] = mapped_column(Boolean)
    case: Mapped[Case] = relationship(back_populates="complications")


class SubsequentTherapy(Base):
    __tablename__ = "subsequent_therapies"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    therapy: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    case: Mapped[Case] = relationship(back_populates="subsequent_therapies")


class Relapse(Base):
    """Relapse or progression after salvage."""

    __tablename__ = "relapses"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    relapse_date: Mapped[dt.date | None] = mapped_column(Date)
    site: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    case: Mapped[Case] = relationship(back_populates="relapses")


class Death(Base):
    __tablename__ = "deaths"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    death_date: Mapped[dt.date | None] = mapped_column(Date)
    cause: Mapped[str | None] = mapped_column(String(8))
    cause_detail: Mapped[str | None] = mapped_column(Text)
    case: Mapped[Case] = relationship(back_populates="death")


class CustomField(Base):
    """A variable the investigator adds to every case (text, number, date, choice, yes/no)."""

    __tablename__ = "custom_fields"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    kind: Mapped[str] = mapped_column(String(8))
    choices: Mapped[str | None] = mapped_column(Text)  # one choice a line, for kind "choice"
    values: Mapped[list[CustomValue]] = relationship(back_populates="field", **_child())

    @property
    def choice_list(self) -> list[str]:
        return [c.strip() for c in (self.choices or "").splitlines() if c.strip()]


class CustomValue(Base):
    __tablename__ = "custom_values"
    __table_args__ = (UniqueConstraint("case_id", "field_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    field_id: Mapped[int] = mapped_column(ForeignKey("custom_fields.id", ondelete="CASCADE"), index=True)
    value: Mapped[str | None] = mapped_column(Text)  # canonical text: ISO date, decimal number, "yes"/"no"
    case: Mapped[Case] = relationship(back_populates="custom_values")
    field: Mapped[CustomField] = relationship(back_populates="values")


class EndpointDefinition(Base):
    """A named, stored rule that turns a case's dates into a time-to-event endpoint.

    Time zero is always day 1 of the first salvage course; censoring is at last follow-up.
    """

    __tablename__ = "endpoint_definitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    label: Mapped[str] = mapped_column(String(120))
    death_is_event: Mapped[bool] = mapped_column(Boolean, default=True)
    relapse_is_event: Mapped[bool] = mapped_column(Boolean, default=False)
    treatment_failure_is_event: Mapped[bool] = mapped_column(Boolean, default=False)
    # Restrict death events to these causes (comma-separated codes); empty = any cause.
    death_causes: Mapped[str | None] = mapped_column(String(60))


class StudyInfo(Base):
    """Key/value facts about the database itself (study title, reconstructed-demo mark, ...)."""

    __tablename__ = "study_info"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
