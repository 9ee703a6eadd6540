"""used_signatures: a DingTalk callback signature stands for one message

DingTalk's HTTP-mode signature covers only the timestamp, so it would be valid for any body for
an hour. Each (timestamp, sign) pair is kept with its msgId until it leaves that window.

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'used_signatures',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('channel', sa.String(20), nullable=False),
        sa.Column('timestamp', sa.String(20), nullable=False),
        sa.Column('sign', sa.String(100), nullable=False),
        sa.Column('message_id', sa.String(255), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.UniqueConstraint('channel', 'timestamp', 'sign', name='uq_used_signatures_pair'),
    )
    op.create_index('ix_used_signatures_expires_at', 'used_signatures', ['expires_at'])


def downgrade():
    op.drop_index('ix_used_signatures_expires_at', table_name='used_signatures')
    op.drop_table('used_signatures')
