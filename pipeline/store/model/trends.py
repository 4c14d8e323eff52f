"""Figures kept over time for the operators' charts: each queue's backlog, sampled."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from pipeline.store.model.base import Base


class QueueSample(Base):
    """Each queue's backlog as the database saw it at the start of a sampling slot; one row per
    slot and queue, whichever worker took it."""

    __tablename__ = "queue_samples"

    slot: Mapped[datetime] = mapped_column(primary_key=True)
    queue: Mapped[str] = mapped_column(String(40), primary_key=True)
    waiting: Mapped[int] = mapped_column(Integer)
    outbox: Mapped[int] = mapped_column(Integer)
    failed: Mapped[int] = mapped_column(Integer)
