"""The persistent model: communes, dossiers with their history, and the pipeline's own tables.

The ``Dossier`` methods are the only way to change a dossier: each checks the lifecycle, records a
``HistoryEntry`` and, when the change starts pipeline work, writes the message into the outbox in
the same session, so both commit together.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    insert,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, object_session, relationship

from pipeline.domain.lifecycle import (
    Action,
    Decision,
    Outcome,
    Stage,
    Status,
    decide,
)


def new_id() -> str:
    return str(uuid.uuid4())


class UTCDateTime(TypeDecorator[datetime]):
    """Instants stored in UTC and always read back timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


class Commune(Base):
    """A commune served by this installation, known by its INSEE code."""

    __tablename__ = "communes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    insee: Mapped[str] = mapped_column(String(5), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: The service mailbox that receives every notification.
    agents_email: Mapped[str] = mapped_column(String(320))
    #: Whether an RCO dossier must carry a proof of address (communes often ask for one).
    rco_requires_proof_of_address: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


class CommuneAlias(Base):
    """Another INSEE code that routes to a commune: former codes, arrondissements."""

    __tablename__ = "commune_aliases"

    insee: Mapped[str] = mapped_column(String(5), primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"))
    reason: Mapped[str] = mapped_column(String(40), default="ancien code")


class User(Base):
    """An account: a commune's admin or agent, or an operator of the installation."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    #: ``admin`` (one per commune), ``agent`` or ``operator``.
    role: Mapped[str] = mapped_column(String(10))
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("communes.id"))
    password_hash: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Agents who asked to receive each dossier's notification themselves.
    wants_notifications: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Sessions carry the version they were opened under; logout, a password change or reset,
    #: disabling the account and "end its sessions" raise it, so older cookies stop working.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime]

    commune: Mapped[Commune | None] = relationship()


class CitizenAccount(Base):
    """A citizen's account: verifying the address activates the espace confidentiel."""

    __tablename__ = "citizen_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    #: None until the citizen follows the link mailed at sign-up.
    verified_at: Mapped[datetime | None]
    #: Usual data kept to prefill new forms (name, address…), as the citizen saved them.
    profile: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Same as ``User.session_version``.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime]


class EmailLink(Base):
    """A one-time link sent by mail (address verification, password reset); stored as a digest."""

    __tablename__ = "email_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    #: ``verify_email``, ``reset_password``.
    purpose: Mapped[str] = mapped_column(String(20))
    #: ``citizen`` (citizen_accounts) or ``user`` (agents, admins, operators).
    account_kind: Mapped[str] = mapped_column(String(10))
    account_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class LoginAttempt(Base):
    """Each failed login, by account and by client, for throttling (kept a day)."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: ``account:<email>`` or ``client:<digest of the address>``.
    key: Mapped[str] = mapped_column(String(340))
    at: Mapped[datetime]


class ApiToken(Base):
    """A bearer token of one commune; only its SHA-256 is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(100))
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    commune: Mapped[Commune] = relationship()

    def allows(self, scope: str) -> bool:
        return self.revoked_at is None and scope in self.scopes.split()


class Blob(Base):
    """Bytes of an attachment or document, stored once per SHA-256."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


class Dossier(Base):
    """A citizen's request and where it stands."""

    __tablename__ = "dossiers"
    __table_args__ = (
        UniqueConstraint("commune_id", "national_number"),
        Index("ix_dossiers_commune_status", "commune_id", "status"),
        Index("ix_dossiers_stage", "stage", "stage_since"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
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
    citizen_email: Mapped[str] = mapped_column(String(320))
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
    ) -> HistoryEntry:
        """Apply an action after the lifecycle allows it; raise IllegalTransition otherwise."""
        decision: Decision = decide(
            self.status_enum,
            self.stage_enum,
            self.outcome_enum,
            action,
            demarche_issues_attestation=issues_attestation,
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


class HistoryEntry(Base):
    """One step of a dossier's life: who, when, through which channel, and the comment."""

    __tablename__ = "dossier_history"
    __table_args__ = (UniqueConstraint("dossier_id", "seq"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    dossier_id: Mapped[str] = mapped_column(ForeignKey("dossiers.id"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]
    #: ``system``, ``citizen``, an agent's e-mail address, ``api:<token id>``...
    actor: Mapped[str] = mapped_column(String(320))
    #: ``web``, ``email``, ``api`` or ``pipeline``.
    channel: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")

    dossier: Mapped[Dossier] = relationship(back_populates="history")


class Attachment(Base):
    """A document of a dossier: a citizen's scan or a document the commune produced."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[str] = mapped_column(ForeignKey("dossiers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    created_at: Mapped[datetime]

    dossier: Mapped[Dossier] = relationship(back_populates="attachments")


class OutboxMessage(Base):
    """A message to publish, written in the same transaction as the change that causes it."""

    __tablename__ = "outbox"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    queue: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(60))
    args: Mapped[list[Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(index=True)


class Mail(Base):
    """An e-mail to send: one row per causing event, recipient and purpose, sent once."""

    __tablename__ = "mails"
    __table_args__ = (
        UniqueConstraint("cause", "recipient", "purpose"),
        Index("ix_mails_status", "status", "updated_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    cause: Mapped[str] = mapped_column(String(80))
    recipient: Mapped[str] = mapped_column(String(320))
    purpose: Mapped[str] = mapped_column(String(40))
    dossier_id: Mapped[str | None] = mapped_column(ForeignKey("dossiers.id"), index=True)
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("communes.id"))
    #: Fixed when the row is written, so a resend is recognisably the same message.
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    sender: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    #: The Reply-To (``reponse+<token>@…``) of a mail that accepts replies, kept only until the
    #: mail is sent (the token table keeps a digest); None for a mail that takes no reply.
    reply_to: Mapped[str | None] = mapped_column(String(320))
    #: The Message-ID of the first mail of the thread (same dossier, same recipient), if not this.
    in_reply_to: Mapped[str | None] = mapped_column(String(200))
    #: ``pending`` → ``sending`` → ``sent`` | ``failed``; ``sent`` → ``bounced`` on a report.
    status: Mapped[str] = mapped_column(String(10), default="pending")
    #: ``smtp`` or ``catcher`` once sent.
    transport: Mapped[str | None] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    bounced_at: Mapped[datetime | None]
    #: A document sent with the mail (the récépissé, the refusal notice), from the blob store.
    attachment_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"))
    attachment_name: Mapped[str | None] = mapped_column(String(255))


class ReplyToken(Base):
    """The right to act on a dossier by replying to one mail, held by the address it went to.

    Only the token's SHA-256 is stored. ``user_id`` names the agent it was issued to (None for the
    commune's service mailbox or the citizen, told apart by ``role``).
    """

    __tablename__ = "reply_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    #: The Message-ID of the mail that carried it: a reply that lost its To is matched by it.
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    dossier_id: Mapped[str] = mapped_column(ForeignKey("dossiers.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(320))
    #: ``agent`` (the service mailbox or an agent account) or ``citizen``.
    role: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class CommuneSigning(Base):
    """A commune's signing material: mayor, stamp and signature images, QR key, PDF key.

    Generated on first need when the commune configured none (the verification page says the
    certificate is one Télédossier generated). Private keys are stored as PEM, unencrypted: the
    database already holds everything an attacker would want; protect it and its backups.
    """

    __tablename__ = "commune_signing"

    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), primary_key=True)
    mayor_name: Mapped[str] = mapped_column(String(200), default="")
    stamp_png: Mapped[bytes | None] = mapped_column(LargeBinary)
    signature_png: Mapped[bytes | None] = mapped_column(LargeBinary)
    qr_private_key_pem: Mapped[bytes] = mapped_column(LargeBinary)
    signing_key_pem: Mapped[bytes] = mapped_column(LargeBinary)
    certificate_pem: Mapped[bytes] = mapped_column(LargeBinary)
    key_id: Mapped[str] = mapped_column(String(16))
    generated: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime]


class CommuneKey(Base):
    """The public half of every key a commune ever signed with: old attestations stay verifiable."""

    __tablename__ = "commune_keys"

    key_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    qr_public_key_pem: Mapped[bytes] = mapped_column(LargeBinary)
    certificate_pem: Mapped[bytes] = mapped_column(LargeBinary)
    generated: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class DossierDocument(Base):
    """A document the commune produced for a dossier, stored once with its digest."""

    __tablename__ = "dossier_documents"
    __table_args__ = (UniqueConstraint("dossier_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[str] = mapped_column(ForeignKey("dossiers.id"), index=True)
    #: ``notice``, ``demande``, ``recepisse``, ``attestation``, ``refus``.
    kind: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    created_at: Mapped[datetime]
    #: Set when the commune revokes an attestation; the verification page says so.
    revoked_at: Mapped[datetime | None]


class VerificationCheck(Base):
    """Each use of the public verification page, kept for the commune to read."""

    __tablename__ = "verification_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    reference: Mapped[str] = mapped_column(String(20), default="")
    key_id: Mapped[str] = mapped_column(String(16), default="")
    #: ``genuine``, ``revoked``, ``unknown``, ``forged``, ``refused`` (too many checks).
    outcome: Mapped[str] = mapped_column(String(10))
    #: A digest of the client's address, never the address itself.
    client: Mapped[str] = mapped_column(String(16), default="")


class CitizenDocument(Base):
    """A document in a citizen's confidential space, keyed by the citizen's e-mail address.

    The commune deposits here (an agent's reply attachment, later the attestation); the citizen
    sees it once the address is verified, whenever that happens.
    """

    __tablename__ = "citizen_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_email: Mapped[str] = mapped_column(String(320), index=True)
    dossier_id: Mapped[str | None] = mapped_column(ForeignKey("dossiers.id"), index=True)
    #: ``depot`` (deposited by an agent), ``attestation``, …
    kind: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    deposited_by: Mapped[str] = mapped_column(String(320))
    deposited_at: Mapped[datetime]


class InboundMail(Base):
    """Every message the gateway received (SMTP or IMAP), kept with what was done with it."""

    __tablename__ = "inbound_mails"
    __table_args__ = (Index("ix_inbound_mails_received", "received_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    #: The Message-ID, or ``sha256:<digest>`` of the raw bytes when it has none: a message
    #: delivered twice is stored once.
    identity: Mapped[str] = mapped_column(String(200), unique=True)
    #: ``smtp``, ``imap`` or ``catcher`` (the /dev/mail reply form).
    source: Mapped[str] = mapped_column(String(10))
    envelope_from: Mapped[str] = mapped_column(String(320), default="")
    envelope_to: Mapped[str] = mapped_column(String(320), default="")
    sender: Mapped[str] = mapped_column(String(320), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    size: Mapped[int] = mapped_column(Integer)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    #: ``queued`` then ``applied`` | ``message`` | ``rejected`` | ``ignored`` | ``bounce``.
    status: Mapped[str] = mapped_column(String(10), default="queued")
    #: Why, in French, for operators: the command applied, the rejection's reason, …
    outcome: Mapped[str] = mapped_column(Text, default="")
    dossier_id: Mapped[str | None] = mapped_column(ForeignKey("dossiers.id"), index=True)
    received_at: Mapped[datetime]
    processed_at: Mapped[datetime | None]


class FailedWork(Base):
    """Work that failed for good, with its reason, kept for an operator to read and replay."""

    __tablename__ = "failed_work"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    queue: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(60))
    args: Mapped[list[Any]] = mapped_column(JSON)
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


__all__ = [
    "ApiToken",
    "Attachment",
    "Base",
    "Blob",
    "CitizenAccount",
    "CitizenDocument",
    "Commune",
    "CommuneAlias",
    "CommuneKey",
    "CommuneSigning",
    "Dossier",
    "DossierDocument",
    "EmailLink",
    "FailedWork",
    "HistoryEntry",
    "InboundMail",
    "InstallationSetting",
    "LoginAttempt",
    "Mail",
    "OutboxMessage",
    "ReplyToken",
    "User",
    "VerificationCheck",
]
