"""hardening: session versions, failed runs of a stage

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 16:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ACCOUNT_TABLES = ("users", "citizen_accounts")


def upgrade() -> None:
    for table in ACCOUNT_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("session_version", sa.Integer(), nullable=False,
                                          server_default="0"))
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stage_failures", sa.Integer(), nullable=False,
                                      server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.drop_column("stage_failures")
    for table in ACCOUNT_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("session_version")
