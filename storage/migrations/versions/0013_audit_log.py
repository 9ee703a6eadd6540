"""audit_log: one append-only audit trail; answer_history, ledger_audit and review_log folded into it

Every row of the three old trails is copied (in time order) and the old tables are dropped. Triggers
refuse UPDATE and DELETE on audit_log on both engines, except a DELETE inside the audited purge's
transaction (it holds a row in audit_purge while it deletes).

Revision ID: 0013
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

_COLUMNS = ("at, actor_id, actor, role, channel, action, object_type, object_id, application_id, studio_id, "
            "unit_id, key, before, after, result, detail, request_id")

_COPY = f"""
INSERT INTO audit_log ({_COLUMNS})
SELECT at, actor_id, actor, role, channel, action, object_type, object_id, application_id, studio_id, unit_id,
       key, before, after, result, detail, request_id FROM (
  SELECT h.at AS at, h.person_id AS actor_id, COALESCE(p.name, '') AS actor, '' AS role, '' AS channel,
         'answer.set' AS action, 'application' AS object_type, CAST(h.application_id AS VARCHAR(64)) AS object_id,
         h.application_id AS application_id, a.studio_id AS studio_id, s.unit_id AS unit_id, h.key AS key,
         h.old AS before, h.new AS after, 'ok' AS result, '' AS detail, '' AS request_id, 1 AS source, h.id AS n
    FROM answer_history h JOIN applications a ON a.id = h.application_id
    LEFT JOIN studios s ON s.id = a.studio_id LEFT JOIN people p ON p.id = h.person_id
  UNION ALL
  SELECT r.at, r.person_id, COALESCE(p.name, ''), '', '', 'review.' || r.action, 'application',
         CAST(r.application_id AS VARCHAR(64)), r.application_id, a.studio_id, s.unit_id,
         COALESCE(CAST(r.step AS VARCHAR(100)), ''), NULL, NULL, 'ok', COALESCE(r.opinion, ''), '', 2, r.id
    FROM review_log r JOIN applications a ON a.id = r.application_id
    LEFT JOIN studios s ON s.id = a.studio_id LEFT JOIN people p ON p.id = r.person_id
  UNION ALL
  SELECT l.at, l.person_id, COALESCE(p.name, ''), '', '', 'ledger.' || l.action, 'ledger_entry',
         CAST(l.entry_id AS VARCHAR(64)), NULL, e.studio_id, s.unit_id, '', l.before, l.after, 'ok', '', '', 3, l.id
    FROM ledger_audit l JOIN ledger_entries e ON e.id = l.entry_id
    LEFT JOIN studios s ON s.id = e.studio_id LEFT JOIN people p ON p.id = l.person_id
) AS old_trails ORDER BY at, source, n
"""

_PG_TRIGGER = """
CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM audit_purge) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only';
END
$$ LANGUAGE plpgsql
"""


def upgrade():
    op.create_table(
        'audit_log',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), primary_key=True),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('actor', sa.String(100), nullable=False),
        sa.Column('role', sa.String(60), nullable=False),
        sa.Column('channel', sa.String(20), nullable=False),
        sa.Column('action', sa.String(40), nullable=False),
        sa.Column('object_type', sa.String(30), nullable=False),
        sa.Column('object_id', sa.String(64), nullable=False),
        sa.Column('application_id', sa.Integer(), nullable=True),
        sa.Column('studio_id', sa.Integer(), nullable=True),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('key', sa.String(100), nullable=False),
        sa.Column('before', sa.JSON(), nullable=True),
        sa.Column('after', sa.JSON(), nullable=True),
        sa.Column('result', sa.String(10), nullable=False),
        sa.Column('detail', sa.Text(), nullable=False),
        sa.Column('request_id', sa.String(255), nullable=False),
    )
    op.create_index('ix_audit_application', 'audit_log', ['application_id', 'id'])
    op.create_index('ix_audit_object', 'audit_log', ['object_type', 'object_id', 'id'])
    op.create_index('ix_audit_studio', 'audit_log', ['studio_id', 'id'])
    op.create_index('ix_audit_at', 'audit_log', ['at'])
    op.create_table('audit_purge', sa.Column('id', sa.Integer(), primary_key=True))
    op.execute(_COPY)
    op.drop_table('answer_history')
    op.drop_table('ledger_audit')
    op.drop_table('review_log')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(_PG_TRIGGER)
        op.execute("CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
                   "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()")
    else:
        op.execute("CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
                   "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END")
        op.execute("CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
                   "WHEN NOT EXISTS (SELECT 1 FROM audit_purge) "
                   "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END")


def downgrade():
    op.create_table(
        'answer_history',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('application_id', sa.Integer(), sa.ForeignKey('applications.id', ondelete='CASCADE'),
                  nullable=False, index=True),
        sa.Column('key', sa.String(100), nullable=False),
        sa.Column('old', sa.JSON(), nullable=True),
        sa.Column('new', sa.JSON(), nullable=True),
        sa.Column('person_id', sa.Integer(), sa.ForeignKey('people.id'), nullable=True),
        sa.Column('at', sa.DateTime(), nullable=False))
    op.create_table(
        'ledger_audit',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('entry_id', sa.Integer(), sa.ForeignKey('ledger_entries.id'), nullable=False, index=True),
        sa.Column('person_id', sa.Integer(), sa.ForeignKey('people.id'), nullable=True),
        sa.Column('action', sa.String(10), nullable=False),
        sa.Column('before', sa.JSON(), nullable=True),
        sa.Column('after', sa.JSON(), nullable=True),
        sa.Column('at', sa.DateTime(), nullable=False))
    op.create_table(
        'review_log',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('application_id', sa.Integer(), sa.ForeignKey('applications.id', ondelete='CASCADE'),
                  nullable=False, index=True),
        sa.Column('person_id', sa.Integer(), sa.ForeignKey('people.id'), nullable=True),
        sa.Column('action', sa.String(30), nullable=False),
        sa.Column('step', sa.Integer(), nullable=True),
        sa.Column('opinion', sa.Text(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False))
    op.execute("INSERT INTO answer_history (application_id, key, old, new, person_id, at) "
               "SELECT application_id, key, before, after, actor_id, at FROM audit_log "
               "WHERE action = 'answer.set' ORDER BY id")
    op.execute("INSERT INTO ledger_audit (entry_id, person_id, action, before, after, at) "
               "SELECT CAST(object_id AS INTEGER), actor_id, SUBSTR(action, 8), before, after, at FROM audit_log "
               "WHERE action LIKE 'ledger.%' AND object_type = 'ledger_entry' ORDER BY id")
    op.execute("INSERT INTO review_log (application_id, person_id, action, step, opinion, at) "
               "SELECT application_id, actor_id, SUBSTR(action, 8), "
               "CASE WHEN key = '' THEN NULL ELSE CAST(key AS INTEGER) END, detail, at FROM audit_log "
               "WHERE action LIKE 'review.%' ORDER BY id")
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION audit_log_append_only()")
    op.drop_table('audit_purge')
    op.drop_table('audit_log')
