"""The pipeline's own tables: messages to publish, failed work, installation-wide settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pipeline.store.model.base import Base, NumberKey, UuidKey


class PipelineMessage:
    """The columns of a message of the pipeline: which actor, of which queue, with what."""

    queue: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(60))
    args: Mapped[list[Any]] = mapped_column(JSON)


class OutboxMessage(PipelineMessage, Base):
    """A message to publish, written in the same transaction as the change that causes it."""

    __tablename__ = "outbox"

    id: Mapped[UuidKey]
    created_at: Mapped[datetime] = mapped_column(index=True)


class FailedWork(PipelineMessage, Base):
    """Work that failed for good, with its reason, kept for an operator to read and replay."""

    __tablename__ = "failed_work"

    id: Mapped[NumberKey]
    message_id: Mapped[str] = mapped_column(String(60))
    dossier_id: Mapped[str | None] = mapped_column(ForeignKey("dossiers.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    failed_at: Mapped[datetime]
    replayed_at: Mapped[datetime | None]


class InstallationSetting(Base):
    """Values every process of one installation must agree on (the generated secret key)."""

    __tablename__ = "installation_settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
