"""Checking a database for damage and tampering: one check for `verify` and Tools > Verify.

Reads through a read-only connection, so checking never changes the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from storage.record.schema import head_revision, known_revisions
from storage.safety import encryption
from storage.safety.anchors import check_anchors
from storage.safety.case_content import changed_bulk_cases
from storage.safety.record_checks import changed_values, missing_creations
from storage.safety.record_presence import presence_problems
from storage.safety.trail_checks import freeze_heads, verify_chain


@dataclass
class VerificationReport:
    facts: list[str] = field(default_factory=list)  # what was found intact, in words
    problems: list[str] = field(default_factory=list)
    audit_entries: int | None = None  # None: no audit trail (schema before 0002)
    cases: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


MAX_LISTED = 200  # violations listed one by one; the rest are counted


def rule_violations(path: Path) -> list[str]:
    """Every integrity rule re-checked on every case of the file, however the data got in (SQL, a bulk
    write that bypassed the ORM's checks): one line per violation naming case, field and rule."""
    from sqlalchemy.orm import Session, selectinload

    from storage.record.models import Case, SalvageCourse
    from storage.record.rules import check_case, study_id_key

    engine = encryption.file_engine(path, read_only=True)
    found: list[str] = []
    total = 0
    try:
        with Session(engine) as session:
            loaders = [selectinload(getattr(Case, rel.key)) for rel in Case.__mapper__.relationships
                       if rel.key != "courses"]
            loaders.append(selectinload(Case.courses).selectinload(SalvageCourse.drugs))
            first: dict[str, str] = {}
            for case in session.scalars(select(Case).order_by(Case.id).options(*loaders)):
                for custom in case.custom_values:
                    _ = custom.field  # loaded now, not mid-check
                violations = [str(v) for v in check_case(case)]
                key = study_id_key(case.study_id)
                if key in first:
                    violations.append(f"{case.study_id}: study_id: the study ID is the same as {first[key]!r}")
                first.setdefault(key, case.study_id)
                total += len(violations)
                found += violations[: max(0, MAX_LISTED - len(found))]
    finally:
        engine.dispose()
    if total > len(found):
        found.append(f"and {total - len(found)} more rule violation(s)")
    return [f"rule broken: {line}" for line in found]


def verify_database(path: Path) -> VerificationReport:
    """SQLite integrity, foreign keys and the audit trail (hash chain, triggers, data against the trail).

    Raises storage.database.DatabaseError if the file is not a Casebook database.
    """
    revision = encryption.inspect_revision(path)
    report = VerificationReport([f"{path}: Casebook database, schema {revision} (this app: {head_revision()})"])
    if revision not in known_revisions():
        report.problems.append(
            f"the database was written by a newer Casebook (schema {revision}); this version cannot know its "
            "rules, so it was not checked. Update Casebook and verify again.")
        return report
    conn = encryption.connect(path, read_only=True)
    try:
        integrity = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        if integrity == ["ok"]:
            report.facts.append("SQLite integrity check: ok")
        else:
            report.problems += [f"SQLite integrity check: {line}" for line in integrity]
        orphans = conn.execute("PRAGMA foreign_key_check").fetchall()
        if orphans:
            report.problems.append(f"{len(orphans)} record(s) point to records that do not exist (foreign keys)")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "audit_log" in tables:
            chain = verify_chain(conn)
            report.audit_entries = chain.entries
            if chain.ok:
                report.facts.append(
                    f"Audit trail: {chain.entries} entries, hash chain intact, append-only triggers in place"
                )
            report.problems += chain.problems
            creation_facts, creation_problems = missing_creations(conn)
            report.facts += creation_facts
            report.problems += creation_problems + changed_values(conn)
            presence_facts, presence_problems_found = presence_problems(conn)
            report.facts += presence_facts
            report.problems += presence_problems_found
            bulk_facts, bulk_problems = changed_bulk_cases(conn)
            report.facts += bulk_facts
            report.problems += bulk_problems
            anchors = check_anchors(conn, path)
            report.facts += anchors.facts
            report.problems += anchors.problems
            freeze_facts, freeze_problems = freeze_heads(conn)  # each freeze anchors the trail too
            report.facts += freeze_facts
            report.problems += freeze_problems
        else:
            report.facts.append("Audit trail: none (schema before 0002; it starts when the database is next opened)")
        report.cases = int(conn.execute("SELECT count(*) FROM cases").fetchone()[0])
        report.facts.append(f"Cases: {report.cases}")
        if revision == head_revision():
            broken = rule_violations(path)
            report.problems += broken
            if not broken:
                report.facts.append(f"Integrity rules: every rule re-checked on all {report.cases} cases, none broken")
    except encryption.DRIVER_ERRORS as exc:
        report.problems.append(f"the database cannot be read: {exc}")
    finally:
        conn.close()
    return report
