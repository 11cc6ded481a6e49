"""pending_links: a second chat that redeemed an invite waits here until a chat already
linked to the patient confirms it with /confirm NNNNNN (bot/enrolment/service.py)

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

from bot.db.tables.core import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("sender_id", sa.String(200), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("failed_tries", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"],
                                name="fk_pending_links_patient_id_patients"),
        sa.PrimaryKeyConstraint("id", name="pk_pending_links"),
        sa.UniqueConstraint("channel", "sender_id", name="uq_pending_channel_sender"),
    )
    op.create_index("ix_pending_links_patient_id", "pending_links", ["patient_id"])


def downgrade() -> None:
    op.drop_index("ix_pending_links_patient_id", table_name="pending_links")
    op.drop_table("pending_links")
