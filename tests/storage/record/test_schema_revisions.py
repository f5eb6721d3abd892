"""The revision list that opening a database relies on matches the Alembic migrations."""

from __future__ import annotations

from pathlib import Path

from alembic.script import ScriptDirectory

import storage
from storage.database import SCHEMA_REVISIONS, head_revision


def test_schema_revisions_match_the_migrations_folder() -> None:
    script = ScriptDirectory(str(Path(storage.__file__).parent / "record" / "migrations"))
    oldest_first = [rev.revision for rev in script.walk_revisions()][::-1]
    assert list(SCHEMA_REVISIONS) == oldest_first
    assert head_revision() == script.get_current_head()
