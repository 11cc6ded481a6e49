"""erasures: a patient's erasure, asked for and carried out (bot/privacy/data_rights.py)

Revision ID: 0011
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

from bot.db.tables.core import UTCDateTime

revision = "0011"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "erasures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.Column("requested_by", sa.String(32), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("done_at", UTCDateTime(), nullable=True),
        sa.Column("cancelled_at", UTCDateTime(), nullable=True),
        sa.Column("senders", sa.JSON(), nullable=True),
        sa.Column("second_pass_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"],
                                name=op.f("fk_erasures_patient_id_patients")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasures")),
    )
    op.create_index(op.f("ix_erasures_patient_id"), "erasures", ["patient_id"])
    op.create_index(op.f("ix_erasures_due_at"), "erasures", ["due_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_erasures_due_at"), table_name="erasures")
    op.drop_index(op.f("ix_erasures_patient_id"), table_name="erasures")
    op.drop_table("erasures")
