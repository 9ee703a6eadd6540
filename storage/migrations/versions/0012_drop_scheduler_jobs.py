"""drop scheduler_jobs: the worker declares its jobs in code at every start and passes them its Bot,
so APScheduler keeps them in memory; the pickled job store is no longer read or written

Revision ID: 0012
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    if sa.inspect(op.get_bind()).has_table('scheduler_jobs'):
        op.drop_index('ix_scheduler_jobs_next_run_time', table_name='scheduler_jobs')
        op.drop_table('scheduler_jobs')


def downgrade():
    op.create_table(
        'scheduler_jobs',
        sa.Column('id', sa.Unicode(191), primary_key=True),
        sa.Column('next_run_time', sa.Float(25), nullable=True),
        sa.Column('job_state', sa.LargeBinary(), nullable=False),
    )
    op.create_index('ix_scheduler_jobs_next_run_time', 'scheduler_jobs', ['next_run_time'])
