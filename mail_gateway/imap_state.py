"""What the IMAP poller remembers between rounds: per folder, its UIDVALIDITY and last UID."""

from __future__ import annotations

import hashlib
import logging
from typing import Protocol

from sqlalchemy import select

from pipeline.store.db import Database
from pipeline.store.model import InstallationSetting

log = logging.getLogger(__name__)

#: ``installation_settings.key`` is a VARCHAR(60); longer state keys are stored hashed.
SETTING_KEY_MAX = 60


class PollerState(Protocol):
    """Remembers, per account and folder, the folder's UIDVALIDITY and the last UID handed over."""

    def load(self, key: str) -> tuple[int, int] | None: ...

    def save(self, key: str, uidvalidity: int, last_uid: int) -> None: ...


class DbPollerState:
    """``PollerState`` in the ``installation_settings`` table: value ``"<uidvalidity>:<uid>"``."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @staticmethod
    def setting_key(key: str) -> str:
        if len(key) <= SETTING_KEY_MAX:
            return key
        return "imap:" + hashlib.sha256(key.encode()).hexdigest()[:SETTING_KEY_MAX - 5]

    def load(self, key: str) -> tuple[int, int] | None:
        with self.db.transaction() as session:
            value = session.scalar(select(InstallationSetting.value).where(
                InstallationSetting.key == self.setting_key(key)))
        if not value:
            return None
        try:
            uidvalidity, last_uid = (int(part) for part in value.split(":"))
        except ValueError:
            log.warning("IMAP state %s unreadable (%r): starting from UID 0", key, value)
            return None
        return uidvalidity, last_uid

    def save(self, key: str, uidvalidity: int, last_uid: int) -> None:
        with self.db.transaction() as session:
            session.merge(InstallationSetting(key=self.setting_key(key),
                                              value=f"{uidvalidity}:{last_uid}"))
