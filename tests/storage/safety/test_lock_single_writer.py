"""One writer per database: a lock file naming its holder; stale locks are taken over."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from storage.database import Database, open_database
from storage.record.models import Case
from storage.safety.lock import DatabaseLocked, acquire_lock, holder, lock_path, make_read_only


def test_a_second_instance_is_told_who_holds_the_database(tmp_path: Path) -> None:
    db = tmp_path / "study.db"
    with acquire_lock(db):
        with pytest.raises(DatabaseLocked, match="open in another Casebook window") as refused:
            acquire_lock(db)
        assert socket.gethostname() in str(refused.value)
    assert not lock_path(db).exists()
    acquire_lock(db).release()


def test_a_lock_held_by_another_live_process_is_respected(tmp_path: Path) -> None:
    db = tmp_path / "study.db"
    code = ("import sys, time; sys.path.insert(0, sys.argv[2]); from storage.safety.lock import acquire_lock; "
            "acquire_lock(sys.argv[1]); print('locked', flush=True); time.sleep(30)")
    child = subprocess.Popen([sys.executable, "-c", code, str(db), str(Path(__file__).parents[3])],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "locked"
        with pytest.raises(DatabaseLocked, match=f"process {child.pid}"):
            acquire_lock(db)
    finally:
        child.kill()
        child.wait()
    # The holder died without releasing: its lock is stale now and is taken over.
    with acquire_lock(db) as lock:
        assert json.loads(lock_path(db).read_text())["token"] == lock.owner["token"]


def test_a_lock_from_another_computer_is_never_presumed_stale(tmp_path: Path) -> None:
    db = tmp_path / "study.db"
    lock_path(db).write_text(json.dumps({"pid": 1, "host": "ward-pc-7", "user": "dr.b", "since": "today"}))
    assert holder(db) is not None
    with pytest.raises(DatabaseLocked, match="user dr.b on computer ward-pc-7"):
        acquire_lock(db)


def test_a_read_only_second_instance_cannot_write(demo_db: Database) -> None:
    demo_db.close()
    db = open_database(demo_db.path, backup=False)
    make_read_only(db.engine)
    with db.session() as session:
        assert len(list(session.scalars(select(Case)))) == 8
    with pytest.raises(OperationalError, match="readonly|read-only|query_only|attempt to write"), db.session() as session:
        session.scalars(select(Case)).first().notes = "x"  # type: ignore[union-attr]
    db.close()
