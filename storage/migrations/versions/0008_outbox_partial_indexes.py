"""outbox: the sent-at and notice indexes hold only the rows they are searched for

A reply is inserted unsent and without a notice type; full indexes on ``sent_at`` and
``notice`` took an entry (and a page write) for every reply all the same. Partial indexes
(``WHERE sent_at IS NOT NULL`` / ``WHERE notice IS NOT NULL``) serve the same queries: the
rate limit asks for ``sent_at > …``, the notice log for ``notice IS NOT NULL``.

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

SENT = sa.text("sent_at IS NOT NULL")
NOTICE = sa.text("notice IS NOT NULL")


def upgrade():
    op.drop_index('ix_outbox_recent', table_name='outbox')
    op.drop_index('ix_outbox_sent_at', table_name='outbox')
    op.drop_index('ix_outbox_notice', table_name='outbox')
    op.create_index('ix_outbox_recent', 'outbox', ['channel', 'recipient', 'sent_at'],
                    sqlite_where=SENT, postgresql_where=SENT)
    op.create_index('ix_outbox_sent_at', 'outbox', ['sent_at'], sqlite_where=SENT, postgresql_where=SENT)
    op.create_index('ix_outbox_notice', 'outbox', ['notice'], sqlite_where=NOTICE, postgresql_where=NOTICE)


def downgrade():
    op.drop_index('ix_outbox_notice', table_name='outbox')
    op.drop_index('ix_outbox_sent_at', table_name='outbox')
    op.drop_index('ix_outbox_recent', table_name='outbox')
    op.create_index('ix_outbox_recent', 'outbox', ['channel', 'recipient', 'sent_at'])
    op.create_index('ix_outbox_sent_at', 'outbox', ['sent_at'])
    op.create_index('ix_outbox_notice', 'outbox', ['notice'])
