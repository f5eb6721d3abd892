"""first schema: the case record

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-24 21:49:46.769000
"""
import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('study_id', sa.String(length=40), nullable=False),
    sa.Column('sex', sa.String(length=1), nullable=True),
    sa.Column('diagnosis', sa.String(length=10), nullable=True),
    sa.Column('subtype', sa.String(length=120), nullable=True),
    sa.Column('initial_diagnosis_date', sa.Date(), nullable=True),
    sa.Column('high_risk_cytogenetics', sa.Boolean(), nullable=True),
    sa.Column('disease_status', sa.String(length=12), nullable=True),
    sa.Column('relapse_number', sa.Integer(), nullable=True),
    sa.Column('prior_regimens', sa.Integer(), nullable=True),
    sa.Column('prior_therapies', sa.Text(), nullable=True),
    sa.Column('best_response_override', sa.String(length=4), nullable=True),
    sa.Column('best_response_override_reason', sa.Text(), nullable=True),
    sa.Column('last_follow_up', sa.Date(), nullable=True),
    sa.Column('last_follow_up_status', sa.String(length=12), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('study_id')
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_diagnosis'), ['diagnosis'], unique=False)

    op.create_table('custom_fields',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('choices', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('endpoint_definitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('death_is_event', sa.Boolean(), nullable=False),
    sa.Column('relapse_is_event', sa.Boolean(), nullable=False),
    sa.Column('treatment_failure_is_event', sa.Boolean(), nullable=False),
    sa.Column('death_causes', sa.String(length=60), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('study_info',
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('complications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('term', sa.String(length=20), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('grade', sa.Integer(), nullable=True),
    sa.Column('onset', sa.Date(), nullable=True),
    sa.Column('resolved_on', sa.Date(), nullable=True),
    sa.Column('intensive_care', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('complications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complications_case_id'), ['case_id'], unique=False)

    op.create_table('custom_values',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('field_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['field_id'], ['custom_fields.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'field_id')
    )
    with op.batch_alter_table('custom_values', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_custom_values_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_custom_values_field_id'), ['field_id'], unique=False)

    op.create_table('cytogenetic_findings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('finding', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('cytogenetic_findings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cytogenetic_findings_case_id'), ['case_id'], unique=False)

    op.create_table('deaths',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('death_date', sa.Date(), nullable=True),
    sa.Column('cause', sa.String(length=8), nullable=True),
    sa.Column('cause_detail', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id')
    )
    op.create_table('identities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('hospital_number', sa.String(length=60), nullable=True),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id')
    )
    op.create_table('prior_transplants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('transplant_date', sa.Date(), nullable=True),
    sa.Column('donor_type', sa.String(length=6), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('prior_transplants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prior_transplants_case_id'), ['case_id'], unique=False)

    op.create_table('relapses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('relapse_date', sa.Date(), nullable=True),
    sa.Column('site', sa.String(length=16), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('relapses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_relapses_case_id'), ['case_id'], unique=False)

    op.create_table('response_assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('assessed_on', sa.Date(), nullable=True),
    sa.Column('timing', sa.String(length=6), nullable=True),
    sa.Column('specimen', sa.String(length=2), nullable=True),
    sa.Column('blast_percent', sa.Float(), nullable=True),
    sa.Column('mrd_percent', sa.Float(), nullable=True),
    sa.Column('mrd_negative', sa.Boolean(), nullable=True),
    sa.Column('mrd_method', sa.String(length=4), nullable=True),
    sa.Column('response', sa.String(length=4), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('response_assessments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_response_assessments_case_id'), ['case_id'], unique=False)

    op.create_table('salvage_courses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('course_number', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('height_cm', sa.Float(), nullable=True),
    sa.Column('weight_kg', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'course_number')
    )
    with op.batch_alter_table('salvage_courses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_salvage_courses_case_id'), ['case_id'], unique=False)

    op.create_table('subsequent_therapies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('therapy', sa.String(length=200), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('subsequent_therapies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subsequent_therapies_case_id'), ['case_id'], unique=False)

    op.create_table('transplants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('transplant_date', sa.Date(), nullable=True),
    sa.Column('donor_type', sa.String(length=6), nullable=True),
    sa.Column('transplant_number', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('transplants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transplants_case_id'), ['case_id'], unique=False)

    op.create_table('drug_administrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('drug', sa.String(length=120), nullable=False),
    sa.Column('dose', sa.Float(), nullable=True),
    sa.Column('unit', sa.String(length=6), nullable=True),
    sa.Column('doses', sa.Integer(), nullable=True),
    sa.Column('route', sa.String(length=4), nullable=True),
    sa.Column('dose_modification', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['salvage_courses.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('drug_administrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drug_administrations_course_id'), ['course_id'], unique=False)


    # The article's definitions, stored so that every result can name the rule it used.
    endpoints = sa.table(
        "endpoint_definitions",
        sa.column("name", sa.String), sa.column("label", sa.String),
        sa.column("death_is_event", sa.Boolean), sa.column("relapse_is_event", sa.Boolean),
        sa.column("treatment_failure_is_event", sa.Boolean), sa.column("death_causes", sa.String),
    )
    op.bulk_insert(endpoints, [
        {"name": "os", "label": "Overall survival", "death_is_event": True, "relapse_is_event": False,
         "treatment_failure_is_event": False, "death_causes": None},
        {"name": "efs", "label": "Event-free survival", "death_is_event": True, "relapse_is_event": True,
         "treatment_failure_is_event": False, "death_causes": None},
        {"name": "efs-tf", "label": "Event-free survival, treatment failure as event at day 0",
         "death_is_event": True, "relapse_is_event": True, "treatment_failure_is_event": True,
         "death_causes": None},
    ])


def downgrade() -> None:
    with op.batch_alter_table('drug_administrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drug_administrations_course_id'))

    op.drop_table('drug_administrations')
    with op.batch_alter_table('transplants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transplants_case_id'))

    op.drop_table('transplants')
    with op.batch_alter_table('subsequent_therapies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subsequent_therapies_case_id'))

    op.drop_table('subsequent_therapies')
    with op.batch_alter_table('salvage_courses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_salvage_courses_case_id'))

    op.drop_table('salvage_courses')
    with op.batch_alter_table('response_assessments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_response_assessments_case_id'))

    op.drop_table('response_assessments')
    with op.batch_alter_table('relapses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_relapses_case_id'))

    op.drop_table('relapses')
    with op.batch_alter_table('prior_transplants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_prior_transplants_case_id'))

    op.drop_table('prior_transplants')
    op.drop_table('identities')
    op.drop_table('deaths')
    with op.batch_alter_table('cytogenetic_findings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cytogenetic_findings_case_id'))

    op.drop_table('cytogenetic_findings')
    with op.batch_alter_table('custom_values', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_custom_values_field_id'))
        batch_op.drop_index(batch_op.f('ix_custom_values_case_id'))

    op.drop_table('custom_values')
    with op.batch_alter_table('complications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complications_case_id'))

    op.drop_table('complications')
    op.drop_table('study_info')
    op.drop_table('endpoint_definitions')
    op.drop_table('custom_fields')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_diagnosis'))

    op.drop_table('cases')
