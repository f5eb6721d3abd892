"""Runs the Analysis tab's computation off the GUI thread and hands back plain results.

The database is read once per ``refresh()`` (cases changed) and the inputs are cached, so
changing the endpoint, population or grouping only recomputes from the cached summaries.
A result that arrives after a newer request was made is dropped (its generation is stale).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from analysis.command import AnalysisInputs, load_inputs
from analysis.rendering.result_figures import RelapseMortality, relapse_and_nrm
from analysis.statistics.cohort import CohortError, CohortResult, Condition, analyze_cohort
from analysis.statistics.endpoints import TIME_UNITS
from analysis.statistics.tables import Table, characteristics_table, patient_table, rates_table
from storage.database import Database


@dataclass(frozen=True)
class AnalysisRequest:
    endpoint: str = "os"
    where: tuple[str, ...] = ()  # "FIELD=VALUE"
    group_by: str | None = None
    at: tuple[float, ...] = (12.0, 36.0)
    conf_type: str = "log"
    unit: str = "months"
    conf_level: float = 0.95


@dataclass(frozen=True)
class AnalysisOutcome:
    request: AnalysisRequest
    inputs: AnalysisInputs
    result: CohortResult
    cif: RelapseMortality | None
    table1: Table
    rates: Table
    patients: Table
    explanations: tuple[str, ...]

    def population_key(self) -> tuple[object, ...]:
        """What the population tables depend on (not the endpoint, CI, landmarks)."""
        r = self.request
        return (id(self.inputs), r.where, r.group_by, r.unit, r.conf_level)


MAX_EXPLANATIONS = 5000  # lines in the Patients view; the report and exports are not limited by this


def compute(inputs: AnalysisInputs, request: AnalysisRequest, previous: AnalysisOutcome | None = None
            ) -> AnalysisOutcome:
    """Everything the tab shows, from plain inputs (no Qt, callable from any thread).

    The population's tables are reused from ``previous`` when only the endpoint, the CI or the
    landmarks changed, so such a change recomputes the survival numbers only."""
    rule = inputs.rules.get(request.endpoint)
    if rule is None:
        raise CohortError(f"Unknown endpoint '{request.endpoint}'.")
    result = analyze_cohort(
        inputs.summaries, rule, unit=request.unit, where=[Condition.parse(w) for w in request.where],
        group_by=request.group_by, at=request.at, conf_type=request.conf_type, conf_level=request.conf_level,
        custom_kinds=inputs.custom_kinds,
    )
    cases = result.cases
    explanations = tuple(result.explanations(MAX_EXPLANATIONS))
    same = previous is not None and previous.population_key() == (id(inputs), request.where, request.group_by,
                                                                  request.unit, request.conf_level)
    if same and previous is not None:
        return AnalysisOutcome(request, inputs, result, previous.cif, previous.table1, previous.rates,
                               previous.patients, explanations)
    return AnalysisOutcome(
        request=request, inputs=inputs, result=result, cif=relapse_and_nrm(cases, request.unit, result.conf_level),
        table1=characteristics_table(cases, group_by=request.group_by, custom_kinds=inputs.custom_kinds),
        rates=rates_table(cases, result.conf_level), patients=patient_table(cases, unit=request.unit),
        explanations=explanations,
    )


# -- landmark times in the chosen unit ------------------------------------------------------
LANDMARK_EXAMPLES = {"months": "12, 36", "years": "1, 3", "weeks": "52, 156", "days": "365, 1096"}
LANDMARK_DIGITS = {"months": 1, "years": 2, "weeks": 1, "days": 0}  # decimals kept when converting
_LANDMARK_COLUMN = re.compile(r"^S\(([^()\s]+)\)")


def landmark_rule(unit: str) -> str:
    return f"landmarks: numbers separated by commas, e.g. {LANDMARK_EXAMPLES.get(unit, '12, 36')}"


def _landmark(part: str) -> float | None:
    try:
        t = float(part)
    except ValueError:
        return None
    return t if math.isfinite(t) and t >= 0 else None


def _parts(text: str) -> list[str]:
    return [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]


def parse_landmarks(text: str, unit: str = "months") -> tuple[tuple[float, ...], str]:
    """The landmark times read from the box, and a message naming what could not be read ("" if all)."""
    times = [t for t in (_landmark(p) for p in _parts(text)) if t is not None]
    bad = [p for p in _parts(text) if _landmark(p) is None]
    if not bad:
        return tuple(times), ""
    shown = ", ".join(repr(b if len(b) <= 12 else b[:11] + "…") for b in bad[:2]) + (", …" if len(bad) > 2 else "")
    return tuple(times), f"Not read: {shown} — {landmark_rule(unit)} (in {unit})"


def convert_landmarks(text: str, old: str, new: str) -> str:
    """The same landmark times in another unit (12, 36 months -> 1, 3 years -> 365, 1096 days);
    what cannot be read is kept as typed."""
    if old == new or old not in TIME_UNITS or new not in TIME_UNITS:
        return text
    out = []
    for part in _parts(text):
        t = _landmark(part)
        if t is None:
            out.append(part)
            continue
        digits = LANDMARK_DIGITS.get(new, 2)
        value = f"{round(t * TIME_UNITS[old] / TIME_UNITS[new], digits):.{digits}f}"
        out.append(value.rstrip("0").rstrip(".") if "." in value else value)
    return ", ".join(out)


def unit_columns(table: Table, unit: str) -> Table:
    """"S(12) (95% CI)…" headed "S(12 months) (95% CI)…" (a label that already names a unit is kept)."""
    def label(column: str) -> str:
        m = _LANDMARK_COLUMN.match(column)
        if m is None or _landmark(m.group(1)) is None:
            return column
        name = unit[:-1] if _landmark(m.group(1)) == 1 and unit.endswith("s") else unit
        return f"S({m.group(1)} {name})" + column[m.end():]

    return replace(table, columns=tuple(label(c) for c in table.columns))


class _Signals(QObject):
    finished = Signal(int, object)  # generation, AnalysisOutcome
    failed = Signal(int, str)  # generation, message for the user


class _Job(QRunnable):
    def __init__(self, generation: int, database: Database, inputs: AnalysisInputs | None,
                 request: AnalysisRequest, signals: _Signals, previous: AnalysisOutcome | None) -> None:
        super().__init__()
        self.previous = previous
        self.generation = generation
        self.database = database
        self.inputs = inputs
        self.request = request
        self.signals = signals

    def run(self) -> None:
        try:
            inputs = self.inputs if self.inputs is not None else load_inputs(self.database)
            outcome = compute(inputs, self.request, self.previous if inputs is self.inputs else None)
        except (CohortError, ValueError) as exc:
            self.signals.failed.emit(self.generation, str(exc))
        except Exception as exc:  # noqa: BLE001 - shown to the user instead of killing the worker thread
            self.signals.failed.emit(self.generation, f"The analysis failed: {exc}")
        else:
            self.signals.finished.emit(self.generation, outcome)


class AnalysisRunner(QObject):
    """Starts jobs on a private thread pool; emits only the newest job's result."""

    finished = Signal(object)  # AnalysisOutcome
    failed = Signal(str)
    busy = Signal(bool)

    def __init__(self, database: Database, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.database = database
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)  # one analysis at a time; newer requests queue behind it
        self.generation = 0
        self.inputs: AnalysisInputs | None = None
        self.last: AnalysisOutcome | None = None
        self._invalidated_at = 0  # jobs up to this generation may have read outdated cases
        self._signals: list[_Signals] = []

    def invalidate(self) -> None:
        """The cases changed: the next run reads the database again."""
        self.inputs = None
        self._invalidated_at = self.generation

    def start(self, request: AnalysisRequest) -> int:
        self.generation += 1
        signals = _Signals()
        signals.finished.connect(self._on_finished)
        signals.failed.connect(self._on_failed)
        self._signals.append(signals)
        self.busy.emit(True)
        self.pool.start(_Job(self.generation, self.database, self.inputs, request, signals, self.last))
        return self.generation

    def _done(self, generation: int) -> bool:
        sender: Any = self.sender()
        if sender in self._signals:
            self._signals.remove(sender)
        if generation != self.generation:
            return False
        self.busy.emit(False)
        return True

    def _on_finished(self, generation: int, outcome: AnalysisOutcome) -> None:
        if generation > self._invalidated_at:
            self.inputs = outcome.inputs
            self.last = outcome
        if self._done(generation):
            self.finished.emit(outcome)

    def _on_failed(self, generation: int, message: str) -> None:
        if self._done(generation):
            self.failed.emit(message)

    def wait(self, msecs: int = 30000) -> bool:
        return bool(self.pool.waitForDone(msecs))
