"""The catalogue: credentials, their skill links and the institution's reviews.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "credential",
        sa.Column("id", sa.String(512), primary_key=True),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("issuer_id", sa.String(512)),
        sa.Column("issuer_name", sa.Text()),
        sa.Column("country", sa.String(64)),
        sa.Column("eqf_level", sa.Integer()),
        sa.Column("ects", sa.Float()),
        sa.Column("language", sa.String(32)),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("source", sa.Text()),
        sa.Column("mapped_with", sa.String(64)),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "skill_link",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("credential_id", sa.String(512), sa.ForeignKey("credential.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("skill_uri", sa.String(256), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("score", sa.Float()),
        sa.Column("confidence", sa.Float()),
        sa.Column("status", sa.String(16)),
        sa.Column("outcome", sa.Text()),
        sa.Column("matched", sa.Text()),
        sa.Column("matched_lang", sa.String(16)),
        sa.Column("form", sa.String(32)),
        sa.UniqueConstraint("credential_id", "skill_uri", "origin"),
    )
    op.create_index("ix_skill_link_credential_id", "skill_link", ["credential_id"])
    op.create_index("ix_skill_link_skill_uri", "skill_link", ["skill_uri"])
    op.create_table(
        "review",
        sa.Column("credential_id", sa.String(512), sa.ForeignKey("credential.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("skill_uri", sa.String(256), primary_key=True),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("reviewer", sa.Text()),
        sa.Column("note", sa.Text()),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("review")
    op.drop_index("ix_skill_link_skill_uri", "skill_link")
    op.drop_index("ix_skill_link_credential_id", "skill_link")
    op.drop_table("skill_link")
    op.drop_table("credential")
