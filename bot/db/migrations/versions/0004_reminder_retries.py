"""reminder retries: attempts and the next retry time of a failed reminder send

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

import bot.db.tables

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reminder_sends", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="1",
                                      nullable=False))
        batch_op.add_column(sa.Column("retry_at", bot.db.tables.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_reminder_sends_retry_at"), ["retry_at"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reminder_sends", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminder_sends_retry_at"))
        batch_op.drop_column("retry_at")
        batch_op.drop_column("attempts")
