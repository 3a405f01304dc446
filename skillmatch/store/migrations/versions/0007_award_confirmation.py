"""An institution's confirmation of the awards of its catalogue credentials (``award``): what makes
a credential it issued without a checkable signature (an edubadges hosted assertion) prove skills.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "award",
        sa.Column("credential_id", sa.String(512), sa.ForeignKey("credential.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("award_id", sa.String(512), primary_key=True),
        sa.Column("recipient", sa.String(512), nullable=False),
        sa.Column("confirmed_by", sa.Text),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("award")
