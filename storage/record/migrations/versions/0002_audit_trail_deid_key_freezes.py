"""audit trail (append-only, hash-chained), de-identification key, data freezes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 22:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# The audit trail is append-only: SQLite itself refuses to change or remove an entry, whatever
# program writes to the file. (Dropping the triggers is possible, but the hash chain then shows it.)
APPEND_ONLY = (
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: entries cannot be changed'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: entries cannot be deleted'); END",
)


def upgrade() -> None:
    op.create_table(
        'audit_log',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.String(length=32), nullable=False),
        sa.Column('os_user', sa.String(length=120), nullable=False),
        sa.Column('action', sa.String(length=8), nullable=False),
        sa.Column('table_name', sa.String(length=60), nullable=False),
        sa.Column('record_id', sa.Integer(), nullable=True),
        sa.Column('study_id', sa.String(length=40), nullable=True),
        sa.Column('field', sa.String(length=80), nullable=True),
        sa.Column('old_value', sa.Text(), nullable=True),
        sa.Column('new_value', sa.Text(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('prev_hash', sa.String(length=64), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_study_id'), ['study_id'], unique=False)
    for statement in APPEND_ONLY:
        op.execute(statement)

    op.create_table(
        'deid_keys',
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=16), nullable=False),
        sa.Column('date_offset_days', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('case_id'),
        sa.UniqueConstraint('code'),
    )
    op.create_table(
        'freezes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('label', sa.String(length=80), nullable=False),
        sa.Column('created_at', sa.String(length=32), nullable=False),
        sa.Column('cut_off', sa.Date(), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('case_count', sa.Integer(), nullable=False),
        sa.Column('os_user', sa.String(length=120), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('label'),
    )


def downgrade() -> None:
    op.drop_table('freezes')
    op.drop_table('deid_keys')
    op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_study_id'))
    op.drop_table('audit_log')
