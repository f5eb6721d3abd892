"""Exact binomial confidence intervals and plain-words small-sample warnings."""

from __future__ import annotations

from dataclasses import dataclass

from scipy.special import betaincinv  # inverse regularised incomplete beta

from analysis.statistics.numbers import percent, percent_value

CP_METHOD: str = "Clopper–Pearson exact"


@dataclass(frozen=True)
class Proportion:
    """k/n with an exact (Clopper–Pearson) CI; all values are fractions in [0, 1]."""

    k: int
    n: int
    estimate: float
    ci_lower: float
    ci_upper: float
    conf_level: float
    ci_method: str = CP_METHOD

    def as_text(self, digits: int = 1) -> str:
        """E.g. ``"5/8 (62.5%; 95% CI 24.5–91.5%)"``."""
        pct = round(self.conf_level * 100)
        return (
            f"{self.k}/{self.n} ({percent(self.estimate, digits)}; {pct}% CI "
            f"{percent_value(self.ci_lower, digits)}–{percent(self.ci_upper, digits)})"
        )


def clopper_pearson(k: int, n: int, conf_level: float = 0.95) -> Proportion:
    """Exact binomial CI from beta quantiles (lower = 0 when k = 0, upper = 1 when k = n)."""
    if n <= 0:
        raise ValueError("n must be positive")
    if not 0 <= k <= n:
        raise ValueError("k must be between 0 and n")
    if not 0.0 < conf_level < 1.0:
        raise ValueError("conf_level must be in (0, 1)")
    alpha = 1.0 - conf_level
    lower = 0.0 if k == 0 else float(betaincinv(k, n - k + 1, alpha / 2.0))
    upper = 1.0 if k == n else float(betaincinv(k + 1, n - k, 1.0 - alpha / 2.0))
    return Proportion(k=k, n=n, estimate=k / n, ci_lower=lower, ci_upper=upper, conf_level=conf_level)


def few_events_warning(n_events: int, threshold: int = 5) -> str | None:
    """A plain-words caution when estimates rest on very few events, else ``None``."""
    if n_events < 0:
        raise ValueError("n_events must be non-negative")
    if n_events == 0:
        return "No events have occurred yet, so survival estimates and medians cannot be interpreted."
    if n_events < threshold:
        word = "event" if n_events == 1 else "events"
        return (
            f"Only {n_events} {word}: estimates are very imprecise and confidence "
            "intervals are wide; interpret with caution."
        )
    return None
