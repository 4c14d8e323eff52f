"""documents

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 17:54:36.575190
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import pipeline.store.model

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "verification_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", pipeline.store.model.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("client", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("verification_checks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_verification_checks_at"), ["at"], unique=False)

    op.create_table(
        "commune_keys",
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("qr_public_key_pem", sa.LargeBinary(), nullable=False),
        sa.Column("certificate_pem", sa.LargeBinary(), nullable=False),
        sa.Column("generated", sa.Boolean(), nullable=False),
        sa.Column("created_at", pipeline.store.model.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_id"],
            ["communes.id"],
        ),
        sa.PrimaryKeyConstraint("key_id"),
    )
    with op.batch_alter_table("commune_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_commune_keys_commune_id"), ["commune_id"], unique=False
        )

    op.create_table(
        "commune_signing",
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("mayor_name", sa.String(length=200), nullable=False),
        sa.Column("stamp_png", sa.LargeBinary(), nullable=True),
        sa.Column("signature_png", sa.LargeBinary(), nullable=True),
        sa.Column("qr_private_key_pem", sa.LargeBinary(), nullable=False),
        sa.Column("signing_key_pem", sa.LargeBinary(), nullable=False),
        sa.Column("certificate_pem", sa.LargeBinary(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("generated", sa.Boolean(), nullable=False),
        sa.Column("updated_at", pipeline.store.model.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_id"],
            ["communes.id"],
        ),
        sa.PrimaryKeyConstraint("commune_id"),
    )
    op.create_table(
        "dossier_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", pipeline.store.model.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", pipeline.store.model.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
        ),
        sa.ForeignKeyConstraint(
            ["sha256"],
            ["blobs.sha256"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dossier_id", "kind"),
    )
    with op.batch_alter_table("dossier_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dossier_documents_dossier_id"), ["dossier_id"], unique=False
        )

    with op.batch_alter_table("mails", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attachment_sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("attachment_name", sa.String(length=255), nullable=True))
        batch_op.create_foreign_key(
            "fk_mails_attachment_sha256_blobs", "blobs", ["attachment_sha256"], ["sha256"]
        )


def downgrade() -> None:

    with op.batch_alter_table("mails", schema=None) as batch_op:
        batch_op.drop_constraint("fk_mails_attachment_sha256_blobs", type_="foreignkey")
        batch_op.drop_column("attachment_name")
        batch_op.drop_column("attachment_sha256")

    with op.batch_alter_table("dossier_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dossier_documents_dossier_id"))

    op.drop_table("dossier_documents")
    op.drop_table("commune_signing")
    with op.batch_alter_table("commune_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commune_keys_commune_id"))

    op.drop_table("commune_keys")
    with op.batch_alter_table("verification_checks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verification_checks_at"))

    op.drop_table("verification_checks")
