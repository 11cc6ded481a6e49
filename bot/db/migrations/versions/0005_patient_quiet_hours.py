"""a patient's own quiet hours (shift work): reminder_preferences.quiet_hours

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reminder_preferences", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quiet_hours", sa.String(length=11), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reminder_preferences", schema=None) as batch_op:
        batch_op.drop_column("quiet_hours")
