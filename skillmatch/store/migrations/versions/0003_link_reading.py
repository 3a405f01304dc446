"""An inferred link's reading (the phrase of the outcome the skill was read in) and its
near-duplicate alternatives, so a catalogued credential's evidence says as much as a fresh match.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("skill_link") as batch:
        batch.add_column(sa.Column("reading", sa.Text()))
        batch.add_column(sa.Column("alternatives", sa.JSON()))


def downgrade() -> None:
    # batch mode: SQLite drops a column by copying the table
    with op.batch_alter_table("skill_link") as batch:
        batch.drop_column("alternatives")
        batch.drop_column("reading")
