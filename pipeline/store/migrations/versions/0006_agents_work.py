"""agents' work: digests, messages read, REU entries, webhooks, queue samples

Revision ID: agents_work
Revises: 0005
Create Date: 2026-12-10 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pipeline.store.model import UTCDateTime

revision = "agents_work"
down_revision = "0005"
branch_labels = None
depends_on = None


def _at(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("digest_hour", sa.Integer(), nullable=True))
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.create_index("ix_dossiers_commune_submitted",
                              ["commune_id", "submitted_at", "id"], unique=False)
    op.create_table(
        "dossier_reads",
        sa.Column("dossier_id", sa.String(length=36), nullable=False),
        sa.Column("read_seq", sa.Integer(), nullable=False),
        sa.Column("read_by", sa.String(length=320), nullable=False),
        _at("read_at"),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"]),
        sa.PrimaryKeyConstraint("dossier_id"),
    )
    op.create_table(
        "register_entries",
        sa.Column("dossier_id", sa.String(length=36), nullable=False),
        sa.Column("entered_on", sa.Date(), nullable=False),
        sa.Column("reu_number", sa.String(length=40), nullable=True),
        sa.Column("entered_by", sa.String(length=320), nullable=False),
        _at("recorded_at"),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"]),
        sa.PrimaryKeyConstraint("dossier_id"),
    )
    op.create_table(
        "webhooks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        _at("created_at"),
        _at("revoked_at", nullable=True),
        sa.ForeignKeyConstraint(["commune_id"], ["communes.id"]),
        sa.ForeignKeyConstraint(["token_id"], ["api_tokens.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("webhooks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webhooks_token_id"), ["token_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_webhooks_commune_id"), ["commune_id"], unique=False)
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("webhook_id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        _at("created_at"),
        _at("updated_at"),
        _at("delivered_at", nullable=True),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"]),
        sa.ForeignKeyConstraint(["webhook_id"], ["webhooks.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("webhook_id", "dossier_id", "seq"),
    )
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_webhook_deliveries_status", ["status", "updated_at"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_webhook_deliveries_dossier_id"), ["dossier_id"],
                              unique=False)
    op.create_table(
        "queue_samples",
        _at("slot"),
        sa.Column("queue", sa.String(length=40), nullable=False),
        sa.Column("waiting", sa.Integer(), nullable=False),
        sa.Column("outbox", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("slot", "queue"),
    )


def downgrade() -> None:
    op.drop_table("queue_samples")
    op.drop_table("webhook_deliveries")
    op.drop_table("webhooks")
    op.drop_table("register_entries")
    op.drop_table("dossier_reads")
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.drop_index("ix_dossiers_commune_submitted")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("digest_hour")
