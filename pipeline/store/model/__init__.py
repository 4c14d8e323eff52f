"""The persistent model, one module per subject; every table is importable from here."""

from __future__ import annotations

from pipeline.store.model.accounts import (
    ApiToken,
    CitizenAccount,
    Commune,
    CommuneAlias,
    EmailLink,
    LoginAttempt,
    User,
)
from pipeline.store.model.base import Base, UTCDateTime, new_id
from pipeline.store.model.documents import (
    CitizenDocument,
    CommuneKey,
    CommuneSigning,
    DossierDocument,
    VerificationCheck,
)
from pipeline.store.model.dossiers import Attachment, Blob, Dossier, HistoryEntry
from pipeline.store.model.mail import InboundMail, Mail, ReplyToken
from pipeline.store.model.ops import FailedWork, InstallationSetting, OutboxMessage

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
    "UTCDateTime",
    "User",
    "VerificationCheck",
    "new_id",
]
