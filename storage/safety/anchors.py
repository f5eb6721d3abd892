"""Anchors of the audit trail outside the database: a rewritten trail no longer matches them.

The hash chain alone lives in the same file as the data: whoever can write the file can rewrite the
whole chain consistently. So the head of the chain (the newest entry's number and hash) is stamped
on every export and backup and recorded, with every export, backup, freeze, restore, upgrade and
creation, in a journal file in the user's data folder, outside the database's folder. ``verify``
then checks that the trail still holds every anchor it can find: the journal's, and the newest entry
of every backup beside the database. A consistent rewrite, removed newest entries or a forged entry
before an anchor no longer match.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storage.safety import encryption

JOURNAL_NAME = "audit-anchors.jsonl"


def data_folder() -> Path:
    """The user's data folder for Casebook (CASEBOOK_DATA_DIR overrides it, e.g. for tests)."""
    override = os.environ.get("CASEBOOK_DATA_DIR")
    if override:
        return Path(override)
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming")) / "Casebook"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "Casebook"
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "casebook"


def journal_path() -> Path:
    return data_folder() / JOURNAL_NAME


@dataclass(frozen=True)
class Head:
    entry: int  # id of the newest entry
    hash: str
    identity: str  # hash of the first entry: which trail this is

    def line(self) -> str:
        return f"Audit trail head: entry {self.entry}, SHA-256 {self.hash}"


def trail_head(path: Path) -> Head | None:
    """The newest entry of a database's trail, read through a read-only connection (committed data only)."""
    try:
        conn = encryption.connect(path, read_only=True)
    except encryption.OPEN_ERRORS:
        return None
    try:
        last = conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
        first = conn.execute("SELECT hash FROM audit_log ORDER BY id LIMIT 1").fetchone()
    except encryption.DRIVER_ERRORS:
        return None
    finally:
        conn.close()
    return None if last is None or first is None else Head(int(last[0]), str(last[1]), str(first[0]))


def record_anchor(database: Path, event: str, head: Head | None = None) -> Head | None:
    """Append the trail's head to the journal; returns it (None if the trail is empty or the journal unwritable).

    An anchor that cannot be written never stops the work it records: verify then simply has one fewer."""
    database = Path(database).resolve()
    head = head or trail_head(database)
    if head is None:
        return None
    line = {"at": dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"), "event": event,
            "database": str(database), "identity": head.identity, "entry": head.entry, "hash": head.hash}
    try:
        folder = data_folder()
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(journal_path(), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, (json.dumps(line, sort_keys=True) + "\n").encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        return head
    return head


def _journal(database: Path, identity: str | None) -> list[dict[str, Any]]:
    try:
        text = journal_path().read_text(encoding="utf-8")
    except OSError:
        return []
    found = []
    for raw in text.splitlines():
        try:
            anchor = json.loads(raw)
        except ValueError:
            continue
        if isinstance(anchor, dict) and (anchor.get("database") == str(database)
                                         or (identity is not None and anchor.get("identity") == identity)):
            found.append(anchor)
    return found


def encrypted_before(database: Path) -> str | None:
    """For a plain database: when (and where) this study was encrypted, by the journal, if it ever was; else None.

    A plain file whose study was encrypted is a copy from before the encryption (a disk backup, an old copy
    put back): its patient data are readable by anyone, and what was entered since may be missing."""
    database = Path(database)
    if encryption.is_encrypted(database):
        return None
    head = trail_head(database)
    if head is None:
        return None
    for anchor in _journal(database, head.identity):
        if anchor.get("event") == "encrypted" and anchor.get("identity") == head.identity:
            return f"{str(anchor.get('at', ''))[:10]} ({anchor.get('database')})"
    return None


def _backup_heads(database: Path, unreadable: list[Path] | None = None) -> list[tuple[Path, Head]]:
    """The trail heads of the database's backups; those that cannot be read (e.g. encrypted under another
    passphrase) go to ``unreadable``."""
    folder = database.parent / "backups"  # as storage.safety.backup.backup_folder
    heads = []
    if folder.is_dir():
        for path in sorted(folder.glob(f"{database.name}--*.db")):
            head = trail_head(path)
            if head is not None:
                heads.append((path, head))
            elif unreadable is not None and _is_encrypted_under_another_key(path):
                unreadable.append(path)
    return heads


def _is_encrypted_under_another_key(path: Path) -> bool:
    if not encryption.is_encrypted(path):
        return False
    try:
        encryption.key_of(path)
    except encryption.OPEN_ERRORS:
        return True
    return False


@dataclass
class AnchorReport:
    facts: list[str]
    problems: list[str]


def check_anchors(conn: sqlite3.Connection, database: Path) -> AnchorReport:
    """Does the trail still hold every anchor of the journal and of the backups? Says which it checked."""
    database = Path(database).resolve()
    rows = conn.execute("SELECT id, hash FROM audit_log ORDER BY id").fetchall()
    by_id = {int(i): str(h) for i, h in rows}
    identity = rows[0][1] if rows else None
    newest = rows[-1][0] if rows else 0
    anchors = _journal(database, identity)
    # Anchors of a database that used to be at this path: older than this trail's own creation.
    created = [a["at"] for a in anchors if a.get("event") == "created" and a.get("identity") == identity]
    since = min(created) if created else None
    # A restore replaces the trail by a backup's; what was anchored before it belongs to the replaced trail,
    # which the restore's safety copy keeps (its entry in the restored trail names that copy).
    restores = [str(a["at"]) for a in anchors if str(a.get("event", "")).startswith("restore")
                and a.get("database") == str(database)]
    restored_at = max(restores) if restores else None
    problems: list[str] = []

    def check(entry: int, digest: str, anchor_identity: str, where: str) -> None:
        if anchor_identity != identity:
            problems.append(f"{where} holds a trail that began with another first entry: this trail was "
                            "rewritten from its start, or another database was put in this file's place")
        elif entry not in by_id:
            problems.append(f"{where} records entry {entry}, which the trail no longer holds (it ends at "
                            f"{newest}): the newest entries were removed")
        elif by_id[entry] != digest:
            problems.append(f"{where} records entry {entry} with another hash: the trail was rewritten")

    journal_checked = 0
    copies: set[str] = set()
    for anchor in list(anchors):
        elsewhere = str(anchor.get("database", ""))
        if elsewhere != str(database) and elsewhere and Path(elsewhere).is_file():
            # a copy of this study that lives on at another path (Save a copy, a USB stick): its trail goes its
            # own way after the copy was made, so its anchors say nothing about this file's
            copies.add(elsewhere)
            anchors.remove(anchor)
    for anchor in anchors:
        if anchor.get("identity") != identity and since is not None and str(anchor.get("at")) < since:
            continue
        if restored_at is not None and str(anchor.get("at")) < restored_at:
            continue
        journal_checked += 1
        check(int(anchor.get("entry", 0)), str(anchor.get("hash")), str(anchor.get("identity")),
              f"the journal's anchor of {anchor.get('at')} ({anchor.get('event')})")
    backups_checked = 0
    restored_epoch = dt.datetime.fromisoformat(restored_at).timestamp() if restored_at else None
    unreadable: list[Path] = []
    for path, head in _backup_heads(database, unreadable):
        if head.identity != identity and since is not None:
            continue  # a copy of the database that was here before this one was created
        if restored_epoch is not None and path.stat().st_mtime < restored_epoch:
            continue  # taken before the restore: a state of the replaced trail
        backups_checked += 1
        check(head.entry, head.hash, head.identity, f"the backup {path.name}")
    anchored = [int(a.get("entry", 0)) for a in anchors if a.get("identity") == identity]
    if anchored and max(anchored) < newest:
        problems.append(f"audit entries {max(anchored) + 1}..{newest} are not anchored in the journal: they were "
                        "written by another program (or by Casebook under another account or on another "
                        "computer, or it stopped before recording them)")
    facts = [f"Audit trail anchors outside the database: {journal_checked} in the journal {journal_path()}, "
             f"{backups_checked} backup(s); " + ("all match the trail" if not problems else
                                                 f"{len(problems)} do not match")
             + (f" (those before the restore of {restored_at} belong to the trail it replaced)"
                if restored_at else "")]
    was_encrypted = encrypted_before(database)
    if was_encrypted:
        problems.append(f"this study was encrypted on {was_encrypted}, but this file is a plain copy of it: its "
                        "patient data are readable by anyone, and what was entered after the copy may be missing. "
                        "Use the encrypted database; delete this copy or encrypt it (File > Encrypt this database)")
    if copies:
        facts.append(f"Anchors of {len(copies)} other copy(ies) of this study were not counted (each copy's trail "
                     f"goes its own way after it was made): {', '.join(sorted(copies))}")
    if unreadable:
        facts.append(f"{len(unreadable)} backup(s) could not be checked: they do not open with this database's "
                     "passphrase (a passphrase change that did not finish? Run File > Change passphrase again, or "
                     "open them with the passphrase they had): " + ", ".join(p.name for p in unreadable))
    if not journal_checked and not backups_checked:
        facts = ["Audit trail anchors outside the database: none found (no export, backup or freeze recorded "
                 f"in {journal_path()} for this file, and no backup beside it)"]
    return AnchorReport(facts, problems)
