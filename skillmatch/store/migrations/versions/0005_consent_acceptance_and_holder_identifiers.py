"""Trust between principals: an employer's acceptance of a consent (``consent.accepted_at``), and the
identifiers an admin registered for a learner (``holder_identifier``).

Consents given before this migration come out unaccepted: they were given without the employer's
agreement, which is what acceptance is for, so the employer reviews them before they rank.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("consent") as batch:
        batch.add_column(sa.Column("accepted_at", sa.DateTime(timezone=True)))
    op.create_table(
        "holder_identifier",
        sa.Column("identifier", sa.String(512), primary_key=True),
        sa.Column("learner_id", sa.String(36), sa.ForeignKey("principal.id", ondelete="CASCADE"), nullable=False),
    )
    op.create_index("ix_holder_identifier_learner_id", "holder_identifier", ["learner_id"])


def downgrade() -> None:
    op.drop_index("ix_holder_identifier_learner_id", "holder_identifier")
    op.drop_table("holder_identifier")
    # In place, as 0004's downgrade, rather than by batch mode's copy of the table.
    with op.batch_alter_table("consent", recreate="never") as batch:
        batch.drop_column("accepted_at")
