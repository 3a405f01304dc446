"""A principal's deactivation: when an admin took its access away (empty while it is active, as
every principal made before this migration is).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("principal") as batch:
        batch.add_column(sa.Column("deactivated_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    # In place, not by batch mode's copy of the table: with foreign keys on, SQLite's dropping the
    # old principal table would cascade to every held credential and consent.
    with op.batch_alter_table("principal", recreate="never") as batch:
        batch.drop_column("deactivated_at")
