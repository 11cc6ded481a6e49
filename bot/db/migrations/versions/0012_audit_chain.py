"""the audit log is hash-chained (bot/db/audit.py): audit_chain (one link per entry) and
audit_head (where the chain ends, and the lock that serialises writers); the entries
already written are chained here, in id order. Both tables refuse what would rewrite
history (a trigger on SQLite and on PostgreSQL), and on PostgreSQL TRUNCATE is refused
on all three (row triggers do not see TRUNCATE, so 0007 alone let it through).

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

from bot.db.audit import GENESIS, HEAD_ID, entry_hash
from bot.db.tables.core import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_chain",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("row_hash", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(["audit_id"], ["audit_log.id"],
                                name=op.f("fk_audit_chain_audit_id_audit_log")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_chain")),
        sa.UniqueConstraint("audit_id", name=op.f("uq_audit_chain_audit_id")),
    )
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_audit_head_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    _chain_existing_entries()
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def _chain_existing_entries() -> None:
    log = sa.table("audit_log", sa.column("id", sa.Integer()), sa.column("at", UTCDateTime()),
                   sa.column("actor", sa.String()), sa.column("action", sa.String()),
                   sa.column("patient_id", sa.Integer()), sa.column("details", sa.JSON()))
    chain = sa.table("audit_chain", sa.column("seq", sa.Integer()),
                     sa.column("audit_id", sa.Integer()), sa.column("prev_hash", sa.String()),
                     sa.column("row_hash", sa.String()))
    head = sa.table("audit_head", sa.column("id", sa.Integer()), sa.column("seq", sa.Integer()),
                    sa.column("last_hash", sa.String()))
    bind = op.get_bind()
    seq, last, links = 0, GENESIS, []
    for r in bind.execute(sa.select(log).order_by(log.c.id)):
        seq += 1
        digest = entry_hash(last, seq, r.id, r.at, r.actor, r.action, r.patient_id, r.details)
        links.append({"seq": seq, "audit_id": r.id, "prev_hash": last, "row_hash": digest})
        last = digest
        if len(links) >= 1000:
            bind.execute(sa.insert(chain), links)
            links = []
    if links:
        bind.execute(sa.insert(chain), links)
    bind.execute(sa.insert(head).values(id=HEAD_ID, seq=seq, last_hash=last))


def _sqlite_triggers() -> None:
    for verb in ("UPDATE", "DELETE"):
        op.execute(f"CREATE TRIGGER audit_chain_no_{verb.lower()} BEFORE {verb} ON audit_chain "
                   "BEGIN SELECT RAISE(ABORT, 'audit_chain is append-only'); END")
    op.execute("CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head "
               "BEGIN SELECT RAISE(ABORT, 'audit_head is append-only: it cannot be deleted'); END")
    op.execute("CREATE TRIGGER audit_head_no_rewind BEFORE UPDATE ON audit_head "
               "WHEN NEW.seq < OLD.seq OR NEW.id <> OLD.id "
               "BEGIN SELECT RAISE(ABORT, 'audit_head is append-only: it only moves forward'); END")


def _postgresql_triggers() -> None:
    op.execute("""
        CREATE OR REPLACE FUNCTION audit_refuse() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
        END;
        $$ LANGUAGE plpgsql
    """)
    op.execute("""
        CREATE OR REPLACE FUNCTION audit_head_forward() RETURNS trigger AS $$
        BEGIN
            IF NEW.seq < OLD.seq OR NEW.id <> OLD.id THEN
                RAISE EXCEPTION 'audit_head is append-only: it only moves forward';
            END IF;
            RETURN NEW;
        END;
        $$ LANGUAGE plpgsql
    """)
    op.execute("CREATE TRIGGER audit_chain_append_only BEFORE UPDATE OR DELETE ON audit_chain "
               "FOR EACH ROW EXECUTE FUNCTION audit_refuse()")
    op.execute("CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head "
               "FOR EACH ROW EXECUTE FUNCTION audit_refuse()")
    op.execute("CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head "
               "FOR EACH ROW EXECUTE FUNCTION audit_head_forward()")
    for table in ("audit_log", "audit_chain", "audit_head"):
        op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        # The other triggers go with their tables.
    op.drop_table("audit_head")
    op.drop_table("audit_chain")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_head_forward()")
        op.execute("DROP FUNCTION IF EXISTS audit_refuse()")
