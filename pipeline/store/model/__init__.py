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
from pipeline.store.model.partners import Webhook, WebhookDelivery
from pipeline.store.model.trends import QueueSample
from pipeline.store.model.work import DossierRead, RegisterEntry

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
    "DossierRead",
    "EmailLink",
    "FailedWork",
    "HistoryEntry",
    "InboundMail",
    "InstallationSetting",
    "LoginAttempt",
    "Mail",
    "OutboxMessage",
    "QueueSample",
    "RegisterEntry",
    "ReplyToken",
    "UTCDateTime",
    "User",
    "VerificationCheck",
    "Webhook",
    "WebhookDelivery",
    "new_id",
]
