"""Packaged resources (demo cohort, icons, style sheets), found also inside a frozen bundle."""

from __future__ import annotations

import sys
from pathlib import Path


def resource_path(*parts: str) -> Path:
    """Path of a packaged resource; works from source, an installed wheel and a PyInstaller bundle."""
    base = Path(getattr(sys, "_MEIPASS", "")) / "resources" if hasattr(sys, "_MEIPASS") else Path(__file__).parent
    return base.joinpath(*parts)
