"""A held credential's ESCO skills, mapped once when it is uploaded (``held_credential.links``,
with the fingerprint of the matcher that mapped it, ``mapped_with``), so that reading a passport
no longer maps every uncatalogued credential again. Credentials held before this migration have
none: the first read maps and stores them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("held_credential") as batch:
        batch.add_column(sa.Column("links", sa.JSON))
        batch.add_column(sa.Column("mapped_with", sa.String(32)))


def downgrade() -> None:
    # In place, as 0004's downgrade, rather than by batch mode's copy of the table.
    with op.batch_alter_table("held_credential", recreate="never") as batch:
        batch.drop_column("mapped_with")
        batch.drop_column("links")
