"""mail gateway

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 17:26:44.082556
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import pipeline.store.model

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "citizen_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_email", sa.String(length=320), nullable=False),
        sa.Column("dossier_id", sa.String(length=36), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("deposited_by", sa.String(length=320), nullable=False),
        sa.Column("deposited_at", pipeline.store.model.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
        ),
        sa.ForeignKeyConstraint(
            ["sha256"],
            ["blobs.sha256"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("citizen_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_citizen_documents_dossier_id"), ["dossier_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_citizen_documents_owner_email"), ["owner_email"], unique=False
        )

    op.create_table(
        "inbound_mails",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("identity", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("envelope_from", sa.String(length=320), nullable=False),
        sa.Column("envelope_to", sa.String(length=320), nullable=False),
        sa.Column("sender", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("dossier_id", sa.String(length=36), nullable=True),
        sa.Column("received_at", pipeline.store.model.UTCDateTime(timezone=True), nullable=False),
        sa.Column("processed_at", pipeline.store.model.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("identity"),
    )
    with op.batch_alter_table("inbound_mails", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inbound_mails_dossier_id"), ["dossier_id"], unique=False
        )
        batch_op.create_index("ix_inbound_mails_received", ["received_at"], unique=False)

    op.create_table(
        "reply_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("dossier_id", sa.String(length=36), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", pipeline.store.model.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", pipeline.store.model.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", pipeline.store.model.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id"),
        sa.UniqueConstraint("token_sha256"),
    )
    with op.batch_alter_table("reply_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reply_tokens_dossier_id"), ["dossier_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_reply_tokens_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("mails", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reply_to", sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column("in_reply_to", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("bounced_at", pipeline.store.model.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:

    with op.batch_alter_table("mails", schema=None) as batch_op:
        batch_op.drop_column("bounced_at")
        batch_op.drop_column("in_reply_to")
        batch_op.drop_column("reply_to")

    with op.batch_alter_table("reply_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reply_tokens_user_id"))
        batch_op.drop_index(batch_op.f("ix_reply_tokens_dossier_id"))

    op.drop_table("reply_tokens")
    with op.batch_alter_table("inbound_mails", schema=None) as batch_op:
        batch_op.drop_index("ix_inbound_mails_received")
        batch_op.drop_index(batch_op.f("ix_inbound_mails_dossier_id"))

    op.drop_table("inbound_mails")
    with op.batch_alter_table("citizen_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_citizen_documents_owner_email"))
        batch_op.drop_index(batch_op.f("ix_citizen_documents_dossier_id"))

    op.drop_table("citizen_documents")
