"""What agents note about their work on dossiers: citizens' messages read, entries in the REU."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from pipeline.store.model.base import Base, Email


class DossierRead(Base):
    """How far the agents have read a dossier's history: the citizen's messages and completions
    after ``read_seq`` are shown at the top of its page and flagged in the lists."""

    __tablename__ = "dossier_reads"

    dossier_id: Mapped[str] = mapped_column(ForeignKey("dossiers.id"), primary_key=True)
    read_seq: Mapped[int] = mapped_column(Integer)
    read_by: Mapped[Email]
    read_at: Mapped[datetime]


class RegisterEntry(Base):
    """An accepted ILE entered in the répertoire électoral unique by the mairie's software."""

    __tablename__ = "register_entries"

    dossier_id: Mapped[str] = mapped_column(ForeignKey("dossiers.id"), primary_key=True)
    #: The day the agent entered it in the REU (Paris calendar).
    entered_on: Mapped[date]
    #: The elector's number in the REU, when the agent gave it.
    reu_number: Mapped[str | None] = mapped_column(String(40))
    entered_by: Mapped[Email]
    recorded_at: Mapped[datetime]
