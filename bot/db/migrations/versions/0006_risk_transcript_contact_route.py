"""what the GP needs to act on a risk brief: risk_events.transcript (the messages
around the triggering one, with times, and the safety answer as typed) and
patients.contact_route (how the practice reaches the patient, given at invite)

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("risk_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("transcript", sa.JSON(), nullable=True))
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_route", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.drop_column("contact_route")
    with op.batch_alter_table("risk_events", schema=None) as batch_op:
        batch_op.drop_column("transcript")
