"""escalation delivery: follow-ups, GP Telegram link codes, delivery attempts

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import bot.db.tables

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "followups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("gp_id", sa.Integer(), nullable=True),
        sa.Column("escalation_id", sa.Integer(), nullable=True),
        sa.Column("module_id", sa.String(length=64), nullable=True),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", bot.db.tables.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_followups_escalation_id_escalations"),
        ),
        sa.ForeignKeyConstraint(["gp_id"], ["gps.id"], name=op.f("fk_followups_gp_id_gps")),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_followups_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followups")),
    )
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_followups_escalation_id"), ["escalation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_followups_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "gp_link_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("gp_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", bot.db.tables.UTCDateTime(), nullable=False),
        sa.Column("expires_at", bot.db.tables.UTCDateTime(), nullable=False),
        sa.Column("used_at", bot.db.tables.UTCDateTime(), nullable=True),
        sa.Column("used_by_chat", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["gp_id"], ["gps.id"], name=op.f("fk_gp_link_codes_gp_id_gps")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gp_link_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_gp_link_codes_code_hash")),
    )
    with op.batch_alter_table("gp_link_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gp_link_codes_gp_id"), ["gp_id"], unique=False)

    op.create_table(
        "delivery_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(length=100), nullable=False),
        sa.Column("started_at", bot.db.tables.UTCDateTime(), nullable=False),
        sa.Column("finished_at", bot.db.tables.UTCDateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.id"],
            name=op.f("fk_delivery_attempts_notification_id_notifications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_attempts")),
    )
    with op.batch_alter_table("delivery_attempts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_delivery_attempts_notification_id"), ["notification_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("delivery_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delivery_attempts_notification_id"))
    op.drop_table("delivery_attempts")
    with op.batch_alter_table("gp_link_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gp_link_codes_gp_id"))
    op.drop_table("gp_link_codes")
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_followups_patient_id"))
        batch_op.drop_index(batch_op.f("ix_followups_escalation_id"))
    op.drop_table("followups")
