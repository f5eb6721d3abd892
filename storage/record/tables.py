"""Tables of the data-protection layer: audit trail, de-identification key, data freezes.

They are SQLAlchemy Core tables on their own MetaData, not ORM models: nothing in the app edits
them through the case record, and keeping them out of models.Base means a plain
``Base.metadata.create_all`` (used by quick experiments) never half-creates them.
Migration 0002 creates them (0003 adds freezes.trail_head); these definitions must match them.
"""

from __future__ import annotations

from sqlalchemy import Column, Date, ForeignKey, Integer, MetaData, String, Table, Text

metadata = MetaData()

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", String(32), nullable=False),  # UTC, ISO 8601 with microseconds
    Column("os_user", String(120), nullable=False),
    Column("action", String(8), nullable=False),  # create, update, delete
    Column("table_name", String(60), nullable=False),
    Column("record_id", Integer),
    Column("study_id", String(40), index=True),
    Column("field", String(80)),
    Column("old_value", Text),
    Column("new_value", Text),
    Column("reason", Text),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

deid_keys = Table(
    "deid_keys",
    metadata,
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("code", String(16), nullable=False, unique=True),
    Column("date_offset_days", Integer, nullable=False),
)

freezes = Table(
    "freezes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("label", String(80), nullable=False, unique=True),
    Column("created_at", String(32), nullable=False),
    Column("cut_off", Date, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("case_count", Integer, nullable=False),
    Column("os_user", String(120), nullable=False),
    Column("note", Text),
    Column("trail_head", String(64)),  # hash of the trail's newest entry when frozen (0003; None before)
)
