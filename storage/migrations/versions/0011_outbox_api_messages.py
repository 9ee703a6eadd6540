"""outbox.api_messages: how many platform API messages a sent row took

A row can be several messages on the platform (a long text split in parts, text + card,
text + file); the per-member minute limits count messages, not rows.

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox') as batch:
        batch.add_column(sa.Column('api_messages', sa.Integer(), nullable=False, server_default='1'))


def downgrade():
    with op.batch_alter_table('outbox') as batch:
        batch.drop_column('api_messages')
