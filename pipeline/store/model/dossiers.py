"""Dossiers with their history and attachments, and the blobs their files are stored in."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    insert,
)
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from pipeline.domain.lifecycle import (
    Action,
    Decision,
    Outcome,
    Stage,
    Status,
    decide,
)
from pipeline.store.model.accounts import Commune
from pipeline.store.model.base import Base, Email, NumberKey, Sha256, StoredFile, UuidKey, new_id


class Blob(Base):
    """Bytes of an attachment or document, stored once per SHA-256."""

    __tablename__ = "blobs"

    sha256: Mapped[Sha256] = mapped_column(primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


class Dossier(Base):
    """A citizen's request and where it stands.

    These methods are the only way to change a dossier: each checks the lifecycle, records a
    ``HistoryEntry`` and, when the change starts pipeline work, writes the message into the
    outbox in the same session, so both commit together.
    """

    __tablename__ = "dossiers"
    __table_args__ = (
        UniqueConstraint("commune_id", "national_number"),
        Index("ix_dossiers_commune_status", "commune_id", "status"),
        Index("ix_dossiers_stage", "stage", "stage_since"),
        # Exports walk a commune's dossiers in filing order, a chunk at a time.
        Index("ix_dossiers_commune_submitted", "commune_id", "submitted_at", "id"),
    )

    id: Mapped[UuidKey]
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    #: The national service's number (``A-9-…``) when the dossier came from its flux.
    national_number: Mapped[str | None] = mapped_column(String(40))
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"))
    demarche: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default=Status.SUBMITTED.value)
    outcome: Mapped[str | None] = mapped_column(String(20))
    #: The pipeline stage the dossier waits for; None when it waits for a person.
    stage: Mapped[str | None] = mapped_column(String(20))
    stage_since: Mapped[datetime | None]
    #: Set when the stage's work failed for good; cleared when an operator replays it.
    stage_failed_at: Mapped[datetime | None]
    #: Last time the reconciler sent the stage's work again.
    stage_nudged_at: Mapped[datetime | None]
    #: Runs of the current stage that raised or outlasted their time limit, whichever message
    #: carried them (the broker's retries, the reconciler's re-sends): past a limit the stage
    #: is parked as failed work, so a poison dossier never loops.
    stage_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    citizen_email: Mapped[Email]
    citizen_name: Mapped[str] = mapped_column(String(400), default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: What validation found: ``{"missing": [...], "flags": [...], "refusal_motive": ...}``.
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    submitted_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    #: Number of history entries, so a new one is numbered without loading the others.
    history_count: Mapped[int] = mapped_column(Integer, default=0)
    channel: Mapped[str] = mapped_column(String(10), default="api")

    commune: Mapped[Commune] = relationship()
    history: Mapped[list[HistoryEntry]] = relationship(
        back_populates="dossier", order_by="HistoryEntry.seq", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="dossier", order_by="Attachment.id", cascade="all, delete-orphan"
    )

    @property
    def status_enum(self) -> Status:
        return Status(self.status)

    @property
    def stage_enum(self) -> Stage | None:
        return Stage(self.stage) if self.stage else None

    @property
    def outcome_enum(self) -> Outcome | None:
        return Outcome(self.outcome) if self.outcome else None

    def start(self, *, at: datetime, actor: str, channel: str) -> HistoryEntry:
        """Record the filing and send the new dossier to the intake stage."""
        entry = self._record(at=at, actor=actor, channel=channel, action=Action.SUBMIT,
                             from_status="", to_status=Status.SUBMITTED, comment="")
        self.status = Status.SUBMITTED.value
        self.submitted_at = at
        self._set_stage(Stage.INTAKE, at)
        return entry

    def apply(
        self,
        action: Action,
        *,
        at: datetime,
        actor: str,
        channel: str,
        comment: str = "",
        issues_attestation: bool = False,
        enters_register: bool = False,
    ) -> HistoryEntry:
        """Apply an action after the lifecycle allows it; raise IllegalTransition otherwise."""
        decision: Decision = decide(
            self.status_enum,
            self.stage_enum,
            self.outcome_enum,
            action,
            demarche_issues_attestation=issues_attestation,
            demarche_enters_register=enters_register,
            comment=comment,
        )
        entry = self._record(at=at, actor=actor, channel=channel, action=action,
                             from_status=self.status, to_status=decision.status,
                             comment=comment.strip())
        self.status = decision.status.value
        self.outcome = decision.outcome.value if decision.outcome else None
        if decision.status is Status.CLOSED:
            self.closed_at = at
        self._set_stage(decision.stage, at)
        return entry

    def note_message(self, *, at: datetime, actor: str, channel: str, text: str) -> HistoryEntry:
        """Record a message between the commune and the citizen; the state does not change."""
        entry = self._record(at=at, actor=actor, channel=channel, action=Action.MESSAGE,
                             from_status=self.status, to_status=self.status_enum,
                             comment=text.strip())
        self.updated_at = at
        return entry

    def _record(self, *, at: datetime, actor: str, channel: str, action: Action,
                from_status: str, to_status: Status, comment: str) -> HistoryEntry:
        self.history_count = (self.history_count or 0) + 1
        entry = HistoryEntry(id=new_id(), seq=self.history_count, at=at, actor=actor,
                             channel=channel, action=action.value, from_status=from_status,
                             to_status=to_status.value, comment=comment)
        # Partners' webhooks hear of every step (``Database.on_changes``, at the commit).
        self.pending_changes = (*self.pending_changes, entry)
        session = object_session(self)
        if session is None:
            entry.dossier_id = self.id
            self.history.append(entry)  # a new dossier (or a test's): no session yet
        else:
            # Written at once, without loading the whole history to append to it (the ORM's
            # unit of work costs more than the insert itself on the pipeline's hot path).
            entry.dossier_id = self.id
            session.execute(insert(HistoryEntry.__table__), [{
                column.key: getattr(entry, column.key)
                for column in HistoryEntry.__table__.columns}])
        return entry

    def cause(self, entry_seq: int | None = None) -> str:
        """A stable name for a step of this dossier, for the mails it causes."""
        return f"{self.id}:{entry_seq if entry_seq is not None else self.history_count}"

    def advance(self, done: Stage, next_stage: Stage | None, at: datetime) -> bool:
        """Move from a finished stage to the next one; False when the dossier was not at ``done``.

        That False is how a handler run twice notices the work is already done.
        """
        if self.stage != done.value:
            return False
        self._set_stage(next_stage, at)
        return True

    def _set_stage(self, stage: Stage | None, at: datetime) -> None:
        self.stage = stage.value if stage else None
        self.stage_since = at if stage else None
        self.stage_failed_at = None
        self.stage_nudged_at = None
        self.stage_failures = 0
        self.updated_at = at
        self.pending_stage_message = stage

    #: Set by ``_set_stage`` (a Stage or None); turned into an outbox message before flush.
    pending_stage_message = None
    #: The steps recorded in this transaction, for ``Database.on_changes``.
    pending_changes = ()


class HistoryEntry(Base):
    """One step of a dossier's life: who, when, through which channel, and the comment."""

    __tablename__ = "dossier_history"
    __table_args__ = (UniqueConstraint("dossier_id", "seq"),)

    id: Mapped[UuidKey]
    dossier_id: Mapped[str] = mapped_column(ForeignKey("dossiers.id"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]
    #: ``system``, ``citizen``, an agent's e-mail address, ``api:<token id>``...
    actor: Mapped[Email]
    #: ``web``, ``email``, ``api`` or ``pipeline``.
    channel: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")

    dossier: Mapped[Dossier] = relationship(back_populates="history")


class Attachment(StoredFile, Base):
    """A document of a dossier: a citizen's scan or a document the commune produced."""

    __tablename__ = "attachments"

    id: Mapped[NumberKey]
    dossier_id: Mapped[str] = mapped_column(ForeignKey("dossiers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime]

    dossier: Mapped[Dossier] = relationship(back_populates="attachments")
