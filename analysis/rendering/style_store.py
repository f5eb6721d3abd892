"""Named figure styles kept in the study's database (study_settings, namespace ``figure_style``).

The style *in use* (name :data:`IN_USE`) is the one every figure, export and report of the study is drawn
in; other names are saved styles the investigator can apply (e.g. one per journal). Every function
takes the caller's session: one user action, one transaction.
"""

from __future__ import annotations

from typing import Any

from analysis.rendering.figure_style import DEFAULT_STYLE, FigureStyle, StyleError

NAMESPACE = "figure_style"
IN_USE = "in use"


def load_style(session: Any, name: str = IN_USE) -> FigureStyle:
    """A stored style; the style in use falls back to the defaults when none was stored."""
    from storage.record.study_settings import SettingError, get_setting

    try:
        data = get_setting(session, NAMESPACE, name)
    except SettingError as exc:
        raise StyleError(f"style name: {exc}") from None
    if data is None:
        if name == IN_USE:
            return DEFAULT_STYLE
        known = ", ".join(style_names(session)) or "none saved yet"
        raise StyleError(f"--style: no figure style named '{name}' in this study (saved styles: {known})")
    return FigureStyle.from_dict(data)


def save_style(session: Any, style: FigureStyle, name: str = IN_USE) -> None:
    from storage.record.study_settings import SettingError, put_setting

    try:
        put_setting(session, NAMESPACE, name, style.to_dict())
    except SettingError as exc:
        raise StyleError(f"style name: {exc}") from None


def delete_style(session: Any, name: str) -> bool:
    from storage.record.study_settings import delete_setting

    return bool(delete_setting(session, NAMESPACE, name))


def style_names(session: Any) -> list[str]:
    """The saved styles' names (not the style in use)."""
    from storage.record.study_settings import list_settings

    return [n for n in list_settings(session, NAMESPACE) if n != IN_USE]
