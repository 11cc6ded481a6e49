"""check-ins and reminders: PHQ-9/PHQ-2/mood answers, reminder preferences and sends

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

import bot.db.tables

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("instrument", sa.String(length=16), nullable=False),
        sa.Column("instrument_version", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("trigger", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("band", sa.String(length=32), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("started_at", bot.db.tables.UTCDateTime(), nullable=False),
        sa.Column("updated_at", bot.db.tables.UTCDateTime(), nullable=False),
        sa.Column("completed_at", bot.db.tables.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"],
                                name=op.f("fk_checkins_patient_id_patients")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkins")),
    )
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checkins_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index("ix_checkins_patient_instrument",
                              ["patient_id", "instrument", "status"], unique=False)

    op.create_table(
        "reminder_preferences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("daily_time", sa.String(length=5), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("paused_until", bot.db.tables.UTCDateTime(), nullable=True),
        sa.Column("phq9_due_on", sa.String(length=10), nullable=True),
        sa.Column("homework_module", sa.String(length=64), nullable=True),
        sa.Column("homework_due_at", bot.db.tables.UTCDateTime(), nullable=True),
        sa.Column("updated_at", bot.db.tables.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"],
                                name=op.f("fk_reminder_preferences_patient_id_patients")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_preferences")),
        sa.UniqueConstraint("patient_id", name=op.f("uq_reminder_preferences_patient_id")),
    )
    with op.batch_alter_table("reminder_preferences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reminder_preferences_updated_at"), ["updated_at"],
                              unique=False)

    op.create_table(
        "reminder_sends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("due_slot", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("sender_id", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", bot.db.tables.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"],
                                name=op.f("fk_reminder_sends_patient_id_patients")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_sends")),
        sa.UniqueConstraint("patient_id", "purpose", "due_slot", name="uq_reminder_sends_slot"),
    )
    with op.batch_alter_table("reminder_sends", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reminder_sends_patient_id"), ["patient_id"],
                              unique=False)

    op.create_table(
        "checkin_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checkin_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("raw_text", sa.String(length=500), nullable=True),
        sa.Column("answered_at", bot.db.tables.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["checkin_id"], ["checkins.id"],
                                name=op.f("fk_checkin_answers_checkin_id_checkins"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin_answers")),
        sa.UniqueConstraint("checkin_id", "item", name="uq_checkin_answers_item"),
    )
    with op.batch_alter_table("checkin_answers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checkin_answers_checkin_id"), ["checkin_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("checkin_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkin_answers_checkin_id"))
    op.drop_table("checkin_answers")
    with op.batch_alter_table("reminder_sends", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminder_sends_patient_id"))
    op.drop_table("reminder_sends")
    with op.batch_alter_table("reminder_preferences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminder_preferences_updated_at"))
    op.drop_table("reminder_preferences")
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.drop_index("ix_checkins_patient_instrument")
        batch_op.drop_index(batch_op.f("ix_checkins_patient_id"))
    op.drop_table("checkins")
    # The scheduler's own job table (created by APScheduler's SQLAlchemyJobStore).
    op.execute("DROP TABLE IF EXISTS scheduler_jobs")
