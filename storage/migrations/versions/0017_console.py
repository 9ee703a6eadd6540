"""The office's console: sign-in sessions, break-glass administrators, failed-sign-in locks; the
client address on every audit row.

Revision ID: 0017
Revises: 0016
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'console_sessions',
        sa.Column('id', sa.String(64), primary_key=True),
        sa.Column('person_id', sa.Integer, sa.ForeignKey('people.id', ondelete='CASCADE'), nullable=False),
        sa.Column('via', sa.String(20), nullable=False),
        sa.Column('account', sa.String(160), nullable=False, server_default=''),
        sa.Column('ip', sa.String(64), nullable=False, server_default=''),
        sa.Column('created_at', sa.DateTime, nullable=False),
        sa.Column('seen_at', sa.DateTime, nullable=False),
        sa.Column('ended_at', sa.DateTime, nullable=True),
    )
    op.create_index('ix_console_sessions_person_id', 'console_sessions', ['person_id'])
    op.create_table(
        'console_admins',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('person_id', sa.Integer, sa.ForeignKey('people.id', ondelete='CASCADE'), nullable=False,
                  unique=True),
        sa.Column('login', sa.String(60), nullable=False, unique=True),
        sa.Column('password_hash', sa.String(255), nullable=False),
        sa.Column('totp_secret', sa.String(255), nullable=False),
        sa.Column('created_at', sa.DateTime, nullable=False),
    )
    op.create_table(
        'console_locks',
        sa.Column('key', sa.String(120), primary_key=True),
        sa.Column('failures', sa.Integer, nullable=False, server_default='0'),
        sa.Column('first_at', sa.DateTime, nullable=False),
        sa.Column('locked_until', sa.DateTime, nullable=True),
    )
    op.add_column('audit_log', sa.Column('ip', sa.String(64), nullable=False, server_default=''))


def downgrade():
    op.drop_column('audit_log', 'ip')
    op.drop_table('console_locks')
    op.drop_table('console_admins')
    op.drop_index('ix_console_sessions_person_id', 'console_sessions')
    op.drop_table('console_sessions')
