"""Materialized passports: a learner's passport is stored as built (``passport``) with the digest
of the inputs it was built from, and read as stored while they stand. A catalogue credential
counts its changes (``credential.revision``: a new document, a re-mapping, a review, a confirmed
award), so a passport can tell in one query whether the credentials it holds changed; a held
credential keeps the outcome of its signature check (``verification``) with the fingerprint of
the trust list that gave it (``verified_with``), checked again only when the trust list changes.
The passport keeps the fingerprint of the matcher it was built with (``matcher``), which a
service still loading its matcher takes for the current one.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("credential") as batch:
        batch.add_column(sa.Column("revision", sa.Integer, nullable=False, server_default="0"))
    with op.batch_alter_table("held_credential") as batch:
        batch.add_column(sa.Column("verification", sa.JSON))
        batch.add_column(sa.Column("verified_with", sa.String(64)))
    op.create_table(
        "passport",
        sa.Column("learner_id", sa.String(36), sa.ForeignKey("principal.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("inputs", sa.String(64), nullable=False),
        sa.Column("matcher", sa.String(32), nullable=False),
        sa.Column("catalogue_ids", sa.JSON, nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("passport", sa.JSON, nullable=False),
        sa.Column("public", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("passport")
    with op.batch_alter_table("held_credential", recreate="never") as batch:
        batch.drop_column("verified_with")
        batch.drop_column("verification")
    with op.batch_alter_table("credential", recreate="never") as batch:
        batch.drop_column("revision")
