"""The office's year: 考核验收 rounds, experts and score sheets; 公示 lists, entries and objections;
the 命名文件 and certificates (numbers unique, never reused); 整改 after a spot check; the leaders'
self-check answers; the grounds of a 撤销称号.

Revision ID: 0016
Revises: 0014
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'assessment_rounds',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('year', sa.Integer(), nullable=False, unique=True),
        sa.Column('rubric', sa.JSON(), nullable=False),
        sa.Column('next_item', sa.Integer(), nullable=False),
        sa.Column('ties', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(10), nullable=False),
        sa.Column('created_by', sa.Integer(), sa.ForeignKey('people.id'), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('closed_by', sa.Integer(), sa.ForeignKey('people.id'), nullable=True),
        sa.Column('closed_at', sa.DateTime(), nullable=True))
    op.create_table(
        'round_experts',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('round_id', sa.Integer(), sa.ForeignKey('assessment_rounds.id'), nullable=False),
        sa.Column('person_id', sa.Integer(), sa.ForeignKey('people.id'), nullable=False),
        sa.Column('invited_by', sa.Integer(), sa.ForeignKey('people.id'), nullable=True),
        sa.Column('invited_at', sa.DateTime(), nullable=False),
        sa.UniqueConstraint('round_id', 'person_id', name='uq_round_experts'))
    op.create_table(
        'score_sheets',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('round_id', sa.Integer(), sa.ForeignKey('assessment_rounds.id'), nullable=False),
        sa.Column('application_id', sa.Integer(), sa.ForeignKey('applications.id'), nullable=False),
        sa.Column('expert_id', sa.Integer(), sa.ForeignKey('people.id'), nullable=False),
        sa.Column('scores', sa.JSON(), nullable=False),
        sa.Column('notes', sa.JSON(), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('assigned_by', sa.Integer(), sa.ForeignKey('people.id'), nullable=True),
        sa.Column('assigned_at', sa.DateTime(), nullable=False),
        sa.Column('submitted_at', sa.DateTime(), nullable=True),
        sa.UniqueConstraint('round_id', 'application_id', 'expert_id', name='uq_score_sheets'))
    op.create_index('ix_score_sheets_expert', 'score_sheets', ['expert_id', 'round_id'])
    op.create_table(
        'publicities',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('working_days', sa.Integer(), nullable=False),
        sa.Column('published_by', sa.Integer(), sa.ForeignKey('people.id'), nullable=True),
        sa.Column('published_at', sa.DateTime(), nullable=False),
        sa.UniqueConstraint('year', 'number', name='uq_publicities_number'))
    op.create_table(
        'publicity_entries',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('publicity_id', sa.Integer(), sa.ForeignKey('publicities.id'), nullable=False),
        sa.Column('application_id', sa.Integer(), sa.ForeignKey('applications.id'), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(10), nullable=False),
        sa.Column('removed_reason', sa.Text(), nullable=False),
        sa.UniqueConstraint('publicity_id', 'application_id', name='uq_publicity_entries'))
    op.create_table(
        'objections',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('entry_id', sa.Integer(), sa.ForeignKey('publicity_entries.id'), nullable=False),
        sa.Column('received_on', sa.Date(), nullable=False),
        sa.Column('source', sa.String(200), nullable=False),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('status', sa.String(10), nullable=False),
        sa.Column('finding', sa.Text(), nullable=False),
        sa.Column('recorded_by', sa.Integer(), sa.ForeignKey('people.id'), nullable=True),
        sa.Column('decided_by', sa.Integer(), sa.ForeignKey('people.id'), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True))
    op.create_table(
        'naming_documents',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('number', sa.String(100), nullable=False, unique=True),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('sequence', sa.Integer(), nullable=False),
        sa.Column('issued_on', sa.Date(), nullable=False),
        sa.Column('grant_wan', sa.String(20), nullable=False),
        sa.Column('file_id', sa.Integer(), sa.ForeignKey('files.id'), nullable=True),
        sa.Column('issued_by', sa.Integer(), sa.ForeignKey('people.id'), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.UniqueConstraint('year', 'sequence', name='uq_naming_documents_sequence'))
    op.create_table(
        'certificates',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('number', sa.String(100), nullable=False, unique=True),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('sequence', sa.Integer(), nullable=False),
        sa.Column('studio_id', sa.Integer(), sa.ForeignKey('studios.id'), nullable=False),
        sa.Column('application_id', sa.Integer(), sa.ForeignKey('applications.id'), nullable=False),
        sa.Column('document_id', sa.Integer(), sa.ForeignKey('naming_documents.id'), nullable=False),
        sa.Column('named_on', sa.Date(), nullable=False),
        sa.Column('status', sa.String(10), nullable=False),
        sa.Column('void_reason', sa.Text(), nullable=False),
        sa.Column('voided_at', sa.DateTime(), nullable=True),
        sa.Column('file_id', sa.Integer(), sa.ForeignKey('files.id'), nullable=True),
        sa.Column('plaque_text', sa.String(200), nullable=False),
        sa.Column('plaque_status', sa.String(10), nullable=False),
        sa.Column('plaque_on', sa.Date(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.UniqueConstraint('year', 'sequence', name='uq_certificates_sequence'))
    op.create_table(
        'rectifications',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('result_id', sa.Integer(), sa.ForeignKey('spot_check_results.id'), nullable=False, unique=True),
        sa.Column('studio_id', sa.Integer(), sa.ForeignKey('studios.id'), nullable=False),
        sa.Column('ordered_on', sa.Date(), nullable=False),
        sa.Column('working_days', sa.Integer(), nullable=False),
        sa.Column('deadline', sa.Date(), nullable=False),
        sa.Column('requirements', sa.Text(), nullable=False),
        sa.Column('status', sa.String(10), nullable=False),
        sa.Column('report', sa.Text(), nullable=False),
        sa.Column('reported_at', sa.DateTime(), nullable=True),
        sa.Column('finding', sa.Text(), nullable=False),
        sa.Column('verified_by', sa.Integer(), sa.ForeignKey('people.id'), nullable=True),
        sa.Column('verified_at', sa.DateTime(), nullable=True))
    op.create_table(
        'self_checks',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('studio_id', sa.Integer(), sa.ForeignKey('studios.id'), nullable=False),
        sa.Column('quarter', sa.String(7), nullable=False),
        sa.Column('items', sa.JSON(), nullable=False),
        sa.Column('answers', sa.JSON(), nullable=False),
        sa.Column('person_id', sa.Integer(), sa.ForeignKey('people.id'), nullable=True),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.UniqueConstraint('studio_id', 'quarter', name='uq_self_checks_quarter'))
    with op.batch_alter_table('spot_check_results') as batch:
        batch.add_column(sa.Column('grounds', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('spot_check_results') as batch:
        batch.drop_column('grounds')
    for table in ('self_checks', 'rectifications', 'certificates', 'naming_documents', 'objections',
                  'publicity_entries', 'publicities'):
        op.drop_table(table)
    op.drop_index('ix_score_sheets_expert', table_name='score_sheets')
    for table in ('score_sheets', 'round_experts', 'assessment_rounds'):
        op.drop_table(table)
