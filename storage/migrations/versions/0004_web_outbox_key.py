"""web messages keyed by outbox row (idempotent redelivery)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 20:28:53.224566
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('web_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outbox_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.create_unique_constraint('uq_web_messages_outbox_id', ['outbox_id'])



def downgrade():
    with op.batch_alter_table('web_messages', schema=None) as batch_op:
        batch_op.drop_constraint('uq_web_messages_outbox_id', type_='unique')
        batch_op.drop_column('outbox_id')

