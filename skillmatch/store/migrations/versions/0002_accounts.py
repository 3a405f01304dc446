"""The API's accounts: principals with hashed tokens, learners' held credentials, consents.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "principal",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("institution", sa.Text()),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "held_credential",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("learner_id", sa.String(36), sa.ForeignKey("principal.id", ondelete="CASCADE"), nullable=False),
        sa.Column("credential_id", sa.String(512)),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("learner_id", "credential_id"),
    )
    op.create_index("ix_held_credential_learner_id", "held_credential", ["learner_id"])
    op.create_table(
        "consent",
        sa.Column("learner_id", sa.String(36), sa.ForeignKey("principal.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("employer_id", sa.String(36), sa.ForeignKey("principal.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_consent_employer_id", "consent", ["employer_id"])


def downgrade() -> None:
    op.drop_index("ix_consent_employer_id", "consent")
    op.drop_table("consent")
    op.drop_index("ix_held_credential_learner_id", "held_credential")
    op.drop_table("held_credential")
    op.drop_table("principal")
