"""What the import dialog's column mapping shows of each column, read once from every row.

The mapping table shows, for each column of the file, a few examples, notes on its conventions under
the field it is mapped to (date order, decimal commas, percent cells) and, for a coded field, every
written value that maps to no code, with how many rows hold it. All of that depends only on the
column's distinct values (and their counts), which are gathered here once, a row at a time, on the dialog's
worker thread; changing a column's field then looks at its distinct values only, never at 50,000 rows again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from storage.interchange import case_template as tpl
from storage.interchange.conventions import column_notes
from storage.interchange.imports.column_mapping import ColumnMapping, UnmappedValue
from storage.interchange.imports.mapping_targets import target_codes

EXAMPLES = 3
# column_notes says something only of these kinds; the others share the notes of the kind they fall under
_NOTE_KIND = {"date": "date", "datelist": "date", "float": "float", "int": "float", "dose": "float",
              "percent": "percent"}


@dataclass
class ColumnValues:
    """One column's distinct cells (each once, as read), its non-blank texts with their row counts (in the
    order of first appearance) and its notes under each kind of field."""

    index: int
    texts: dict[str, int] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)

    def examples(self) -> list[str]:
        return list(self.texts)[:EXAMPLES]

    def notes_as(self, kind: str) -> list[str]:
        return self.notes.get(_NOTE_KIND.get(kind, ""), [])


class ColumnValueScan:
    """Every column's ColumnValues, gathered a row at a time (the rows are never held)."""

    def __init__(self, width: int):
        self.distinct: list[dict[Any, Any]] = [{} for _ in range(width)]  # str cells by themselves, others by
        self.texts: list[dict[str, int]] = [{} for _ in range(width)]  # (type, value)
        self.rows = 0

    def feed(self, row: list[Any]) -> None:
        self.rows += 1
        for i, (distinct, texts) in enumerate(zip(self.distinct, self.texts, strict=False)):
            value = row[i] if i < len(row) else None
            if value is None:
                continue
            if type(value) is str:  # (most cells: the text is the cell)
                text = value.strip()
                if not text:
                    continue
                key: Any = value
            else:
                text = tpl.cell_text(value).strip()
                key = (type(value), text if isinstance(value, list) else value)
            if key not in distinct:
                distinct[key] = value
            texts[text] = texts.get(text, 0) + 1

    def values(self, percent_columns: set[int] | None = None) -> list[ColumnValues]:
        percent_columns = percent_columns or set()
        found: list[ColumnValues] = []
        for i, (distinct, texts) in enumerate(zip(self.distinct, self.texts, strict=False)):
            cells = list(distinct.values())
            notes = {kind: column_notes(cells, kind, i in percent_columns) for kind in ("date", "percent")}
            notes["float"] = [n for n in notes["percent"] if n == "decimal commas"]  # (what float, int and dose show)
            found.append(ColumnValues(i, texts, notes))
        return found


def column_values(header: list[str], rows: list[list[Any]], percent_columns: set[int] | None = None
                  ) -> list[ColumnValues]:
    """Every column's ColumnValues."""
    scan = ColumnValueScan(len(header))
    for row in rows:
        scan.feed(row)
    return scan.values(percent_columns)


def unmapped_in(header: list[str], values: list[ColumnValues], mapping: ColumnMapping) -> list[UnmappedValue]:
    """Every written value of a coded column that maps to no code, with how many rows hold it: each distinct
    value looked up once."""
    found: list[UnmappedValue] = []
    for name, column in zip(header, values, strict=False):
        target = mapping.target_of(name.strip())
        if not target or target_codes(target) is None:
            continue
        found += [UnmappedValue(name.strip(), target, text, n) for text, n in column.texts.items()
                  if mapping.code_for(target, text) is None]
    return found
