"""used_signatures: a (timestamp, sign) pair carries every message of its first seconds;
outbox.failing_since: a row is retried for a horizon from its first failure, not for a count;
files.deleted_at: a deleted proof's file is never served again

Two genuine DingTalk callbacks of one millisecond share their signature, so a pair is now kept
once per message it carried (unique per message) with the moment it was first seen. Pairs kept
from before were single-message pairs: they are marked first seen long ago (bound).

Revision ID: 0014
Revises: 0013
"""
from datetime import datetime

from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

LONG_AGO = datetime(2000, 1, 1)


def upgrade():
    with op.batch_alter_table('used_signatures') as batch:
        batch.add_column(sa.Column('first_seen', sa.DateTime(), nullable=True))
        batch.drop_constraint('uq_used_signatures_pair', type_='unique')
        batch.create_unique_constraint('uq_used_signatures_message', ['channel', 'timestamp', 'sign', 'message_id'])
    op.execute(sa.text("UPDATE used_signatures SET first_seen = :t").bindparams(t=LONG_AGO))
    with op.batch_alter_table('used_signatures') as batch:
        batch.alter_column('first_seen', existing_type=sa.DateTime(), nullable=False)
    with op.batch_alter_table('outbox') as batch:
        batch.add_column(sa.Column('failing_since', sa.DateTime(), nullable=True))
    with op.batch_alter_table('files') as batch:
        batch.add_column(sa.Column('deleted_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('files') as batch:
        batch.drop_column('deleted_at')
    with op.batch_alter_table('outbox') as batch:
        batch.drop_column('failing_since')
    op.execute(sa.text(
        "DELETE FROM used_signatures WHERE id NOT IN "
        "(SELECT MIN(id) FROM used_signatures GROUP BY channel, timestamp, sign)"))
    with op.batch_alter_table('used_signatures') as batch:
        batch.drop_constraint('uq_used_signatures_message', type_='unique')
        batch.create_unique_constraint('uq_used_signatures_pair', ['channel', 'timestamp', 'sign'])
        batch.drop_column('first_seen')
