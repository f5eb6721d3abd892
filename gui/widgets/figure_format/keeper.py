"""The study's figure style in use, kept in its database, and the undoable changes to it.

One :class:`StyleChange` per user action holds the old and the new style and calls the keeper, which
stores the style (one transaction) and tells every figure to redraw; typing in one box merges into one
change. Named styles are saved and applied through the same keeper.
"""

from __future__ import annotations

import weakref

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from analysis.rendering.figure_style import DEFAULT_STYLE, FigureStyle
from analysis.rendering.style_store import IN_USE, delete_style, load_style, save_style, style_names
from storage.database import Database


class StyleKeeper(QObject):
    """The style in use of one open study; ``changed`` carries the new FigureStyle."""

    changed = Signal(object)

    def __init__(self, database: Database, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.database = database
        with database.session() as session:
            self.style: FigureStyle = load_style(session, IN_USE)
        self.undo_stack = QUndoStack(self)

    def store(self, style: FigureStyle) -> None:
        """Keep ``style`` as the study's style in use (no undo entry: StyleChange calls this)."""
        with self.database.session() as session:
            save_style(session, style, IN_USE)
        self.style = style
        self.changed.emit(style)

    def change(self, new: FigureStyle, text: str, merge_key: int = -1) -> None:
        """One undoable change from the current style to ``new``."""
        if new != self.style:
            self.undo_stack.push(StyleChange(self, self.style, new, text, merge_key))

    def reset(self) -> None:
        self.change(DEFAULT_STYLE, "Reset the figure style to the default")

    # -- named styles ----------------------------------------------------------------------
    def names(self) -> list[str]:
        with self.database.session() as session:
            return style_names(session)

    def save_as(self, name: str) -> None:
        with self.database.session() as session:
            save_style(session, self.style, name)

    def use_saved(self, name: str) -> None:
        with self.database.session() as session:
            saved = load_style(session, name)
        self.change(saved, f"Use the figure style '{name}'")

    def delete_saved(self, name: str) -> bool:
        with self.database.session() as session:
            return delete_style(session, name)


class StyleChange(QUndoCommand):
    """Old and new style; consecutive edits of the same control (``merge_key`` >= 0) merge into one."""

    def __init__(self, keeper: StyleKeeper, old: FigureStyle, new: FigureStyle, text: str, merge_key: int = -1) -> None:
        super().__init__(text)
        self.keeper, self.old, self.new, self.merge_key = keeper, old, new, merge_key

    def id(self) -> int:
        return self.merge_key

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 (Qt name)
        if not isinstance(other, StyleChange) or other.merge_key != self.merge_key or self.merge_key < 0:
            return False
        self.new = other.new
        return True

    def redo(self) -> None:
        self.keeper.store(self.new)

    def undo(self) -> None:
        self.keeper.store(self.old)


_KEEPERS: dict[int, tuple[weakref.ref[Database], StyleKeeper]] = {}  # by id(): a Database is not hashable


def keeper_for(database: Database) -> StyleKeeper:
    """The one keeper of an open study, shared by the Analysis and Timeline tabs (so both follow a change)."""
    for key in [k for k, (ref, _) in _KEEPERS.items() if ref() is None]:
        del _KEEPERS[key]  # studies closed since
    entry = _KEEPERS.get(id(database))
    if entry is not None and entry[0]() is database:
        return entry[1]
    keeper = StyleKeeper(database)
    _KEEPERS[id(database)] = (weakref.ref(database), keeper)
    return keeper
