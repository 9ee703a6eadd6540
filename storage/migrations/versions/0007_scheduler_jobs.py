"""scheduler_jobs: APScheduler's job store, owned by the migrations like every other table

Same columns as APScheduler 3's SQLAlchemyJobStore (it creates the table only when missing).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 23:59:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    if sa.inspect(bind).has_table('scheduler_jobs'):
        return                  # made by an earlier worker's APScheduler: already the same table
    op.create_table(
        'scheduler_jobs',
        sa.Column('id', sa.Unicode(191), primary_key=True),
        sa.Column('next_run_time', sa.Float(25), nullable=True),
        sa.Column('job_state', sa.LargeBinary(), nullable=False),
    )
    op.create_index('ix_scheduler_jobs_next_run_time', 'scheduler_jobs', ['next_run_time'])


def downgrade():
    op.drop_index('ix_scheduler_jobs_next_run_time', table_name='scheduler_jobs')
    op.drop_table('scheduler_jobs')
