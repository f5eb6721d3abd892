"""a freeze records the audit trail's head at the moment of freezing

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 00:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: freezes made before this revision did not record the head (verify says so).
    with op.batch_alter_table('freezes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('trail_head', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('freezes', schema=None) as batch_op:
        batch_op.drop_column('trail_head')
