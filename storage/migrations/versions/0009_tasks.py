"""tasks: slow work (documents, media, card updates) run by the worker; files.cache_key for reuse

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'tasks',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('kind', sa.String(64), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('dedupe_key', sa.String(255), nullable=True, unique=True),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
        sa.Column('claim', sa.String(64), nullable=True),
        sa.Column('lease_until', sa.DateTime(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
    )
    op.create_index('ix_tasks_due', 'tasks', ['status', 'next_attempt_at'])
    with op.batch_alter_table('files') as batch:
        batch.add_column(sa.Column('cache_key', sa.String(255), nullable=True))
        batch.create_unique_constraint('uq_files_cache_key', ['cache_key'])


def downgrade():
    with op.batch_alter_table('files') as batch:
        batch.drop_constraint('uq_files_cache_key', type_='unique')
        batch.drop_column('cache_key')
    op.drop_index('ix_tasks_due', table_name='tasks')
    op.drop_table('tasks')
