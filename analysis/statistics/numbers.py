"""Numbers as a clinician reads them (no heavy imports: the CLI's parser module uses this)."""

from __future__ import annotations

MAX_DIGITS = 6


def percent_value(x: float, digits: int = 1) -> str:
    """100·x with ``digits`` decimals, or more where rounding would print a value that is not 0 or 1
    as 0 or 100 (an upper CI of 0.9998 is "99.98", never "100.0", which reads as clipped)."""
    value = 100.0 * x
    d = digits
    while d < MAX_DIGITS:
        text = f"{value:.{d}f}"
        if not ((x > 0.0 and float(text) == 0.0) or (x < 1.0 and float(text) >= 100.0)):
            return text
        d += 1
    return f"{value:.{d}f}"


def percent(x: float, digits: int = 1) -> str:
    """E.g. "62.5%", "99.98%"."""
    return percent_value(x, digits) + "%"


def p_text(x: float) -> str:
    """A p-value for reading: four decimals, below 0.0001 as a bound."""
    return "p < 0.0001" if x < 1e-4 else f"p = {x:.4f}"
