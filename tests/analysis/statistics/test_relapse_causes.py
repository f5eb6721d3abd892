"""The competing-risk times of the JSON and the models follow the figure's rule exactly."""

from __future__ import annotations

import numpy as np

from analysis.command import load_inputs
from analysis.rendering.result_figures import relapse_and_nrm
from analysis.statistics.competing_risks import cumulative_incidence
from analysis.statistics.relapse_causes import NON_RELAPSE_DEATH, RELAPSE, relapse_causes
from storage.database import Database


def test_relapse_causes_give_the_figures_cumulative_incidence(demo_db: Database) -> None:
    cases = load_inputs(demo_db).summaries
    data = relapse_causes(cases)
    figure = relapse_and_nrm(cases)
    assert figure is not None and data.time.size == figure.n == 8
    for cause, shown in ((RELAPSE, figure.relapse), (NON_RELAPSE_DEATH, figure.non_relapse_mortality)):
        ours = cumulative_incidence(data.time, data.cause, cause)
        assert np.array_equal(ours.time, shown.time) and np.array_equal(ours.estimate, shown.estimate)
    assert sorted(data.cause.tolist()) == [0, 1, 1, 1, 1, 1, 2, 2]
