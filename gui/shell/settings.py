"""Window preferences in one QSettings wrapper: typed keys with defaults, unknown keys refused.

Only how the window looks and which files were open live here; never patient data. These are the
user's settings (QSettings per user account), the same whichever database is open.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

MAX_RECENT_FILES = 8


@dataclass(frozen=True)
class Key:
    name: str
    kind: type
    default: Any


KEYS: dict[str, Key] = {
    k.name: k
    for k in (
        Key("geometry", QByteArray, QByteArray()),
        Key("window_state", QByteArray, QByteArray()),
        Key("splitter_state", QByteArray, QByteArray()),
        Key("case_list_header", QByteArray, QByteArray()),  # the case list's column widths and order
        Key("recent_files", list, []),
        Key("last_database", str, ""),
        Key("last_folder", str, ""),  # where file dialogs start (gui.widgets.file_dialogs)
        Key("dates_shown_as", str, ""),  # View ▸ Dates shown as; "" follows the system's language
    )
}


class Settings:
    """Typed access to the application's QSettings; ``Settings(QSettings(path, IniFormat))`` in tests."""

    def __init__(self, store: QSettings | None = None) -> None:
        self._store = store if store is not None else QSettings("Casebook", "Casebook")

    @property
    def store(self) -> QSettings:
        """The QSettings behind this wrapper (gui.widgets.file_dialogs keeps its last folder there)."""
        return self._store

    @staticmethod
    def _key(name: str) -> Key:
        if name not in KEYS:
            raise KeyError(f"unknown setting {name!r}; known: {', '.join(KEYS)}")
        return KEYS[name]

    def get(self, name: str) -> Any:
        key = self._key(name)
        value = self._store.value(name, key.default)
        if key.kind is list:
            if value is None or value == "":
                return []
            return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
        if key.kind is QByteArray:
            return value if isinstance(value, QByteArray) else QByteArray()
        return key.kind(value) if value is not None else key.default

    def set(self, name: str, value: Any) -> None:
        key = self._key(name)
        if key.kind is list:
            value = [str(v) for v in value]
        elif not isinstance(value, key.kind):
            raise TypeError(f"setting {name!r} takes {key.kind.__name__}, not {type(value).__name__}")
        self._store.setValue(name, value)

    def add_recent_file(self, path: str) -> list[str]:
        recent = [p for p in self.get("recent_files") if p != path]
        recent.insert(0, path)
        recent = recent[:MAX_RECENT_FILES]
        self.set("recent_files", recent)
        self.set("last_database", path)
        return recent

    def sync(self) -> None:
        self._store.sync()
