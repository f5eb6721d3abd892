"""The figure style as plain data: defaults, JSON round trip, rules, clinical ticks, font."""

from __future__ import annotations

import json

import pytest

from analysis.rendering.figure_style import (
    DEFAULT_STYLE,
    GREYSCALE,
    OKABE_ITO,
    FigureStyle,
    StyleError,
    axis_ticks,
    clinical_step,
    font_note,
    resolve_font,
)


def test_json_round_trip_keeps_every_value() -> None:
    style = FigureStyle(x_end=72.0, x_step=12.0, y_scale="proportion", colors=("#000000", ""),
                        line_styles=("dashed",), legend_texts=("Everyone",), ci="dashed", landmark_times=(12.0, 36.0),
                        legend_position="right", width_mm=114.0, height_mm=90.0, risk_table="at_risk", dpi=600)
    text = json.dumps(style.to_dict())
    assert FigureStyle.from_dict(json.loads(text)) == style


def test_unknown_keys_from_a_newer_casebook_are_ignored() -> None:
    assert FigureStyle.from_dict({"font_size": 8, "glow": True}) == FigureStyle(font_size=8)


@pytest.mark.parametrize(("values", "message"), [
    ({"y_scale": "log"}, "y_scale must be one of percent, proportion"),
    ({"x_end": -1.0}, "x_end must be after x_start (0)"),
    ({"width_mm": 10}, "width_mm must be between 30 and 500"),
    ({"dpi": 450}, "dpi must be one of 300, 600, 1200"),
    ({"colors": ["nocolour"]}, "colors[1] must be a colour"),
    ({"legend_position": "middle"}, "legend_position must be one of above"),
    ({"ci_alpha": 2}, "ci_alpha must be between 0 and 1"),
    ({"show_p": "yes"}, "show_p must be true or false"),
])
def test_a_bad_value_names_the_field_and_the_rule(values: dict[str, object], message: str) -> None:
    with pytest.raises(StyleError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")
                       .replace("]", r"\]")):
        FigureStyle.from_dict(values)


@pytest.mark.parametrize(("unit", "span", "step"), [
    ("months", 75.0, 12.0), ("months", 72.0, 12.0), ("months", 30.0, 6.0), ("months", 10.0, 3.0),
    ("months", 120.0, 24.0), ("years", 6.2, 1.0), ("weeks", 20.0, 4.0), ("weeks", 161.0, 26.0),
    ("days", 40.0, 7.0), ("days", 180.0, 30.0), ("days", 2000.0, 365.0),
])
def test_clinical_tick_steps(unit: str, span: float, step: float) -> None:
    assert clinical_step(unit, span) == step


def test_demo_follow_up_gets_12_month_ticks_to_72() -> None:
    ticks, (start, end) = axis_ticks(DEFAULT_STYLE, "months", 75.0)
    assert ticks == [0, 12, 24, 36, 48, 60, 72]
    assert start == 0 and end == pytest.approx(76.5)  # the censored case at 75 months stays on the plot


def test_chosen_range_and_interval() -> None:
    ticks, (start, end) = axis_ticks(FigureStyle(x_start=6.0, x_end=30.0, x_step=6.0), "months", 75.0)
    assert ticks == [6, 12, 18, 24, 30] and (start, end) == (6.0, 30.0)


def test_palettes_and_greyscale_line_styles() -> None:
    assert [DEFAULT_STYLE.color(i) for i in range(2)] == list(OKABE_ITO[:2])
    grey = FigureStyle(palette="greyscale")
    assert [grey.color(i) for i in range(2)] == list(GREYSCALE[:2])
    assert [grey.line_style(i) for i in range(2)] == ["solid", "dashed"]  # told apart without colour
    assert FigureStyle(colors=("", "#123456")).color(1) == "#123456"


def test_ci_default_band_alone_none_when_groups_are_compared() -> None:
    assert DEFAULT_STYLE.ci_mode(1) == "band" and DEFAULT_STYLE.ci_mode(2) == "none"
    assert FigureStyle(ci="dashed").ci_mode(2) == "dashed"


def test_font_is_arial_helvetica_or_liberation_and_the_note_says_which() -> None:
    used = resolve_font()
    assert used in ("Arial", "Helvetica", "Liberation Sans", "DejaVu Sans")
    assert font_note(DEFAULT_STYLE).startswith(used)
    if used == "Liberation Sans":
        assert "metric-compatible with Arial" in font_note(DEFAULT_STYLE)


def test_size_in_millimetres() -> None:
    assert FigureStyle(width_mm=85.0).width_in == pytest.approx(85 / 25.4)
    assert FigureStyle(height_mm=60.0).height_in(2) == pytest.approx(60 / 25.4)
