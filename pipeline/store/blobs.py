"""The one blob store: attachment and document bytes, kept once per SHA-256.

Bytes live in the database (table ``blobs``) so that a dossier and its attachments commit in one
transaction, every host of an installation sees them, and one backup holds everything.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.store.db import upsert_ignore
from pipeline.store.model import Blob


def sha256_hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


class BlobStore:
    """Put and get bytes by digest, inside the caller's transaction."""

    def put(self, session: Session, content: bytes, at: datetime) -> str:
        """Store the bytes (once) and return their SHA-256."""
        digest = sha256_hex(content)
        upsert_ignore(session, Blob, sha256=digest, size=len(content), content=content,
                      created_at=at)
        return digest

    def get(self, session: Session, digest: str) -> bytes:
        """Return the bytes stored under a digest, checked against it."""
        content = session.scalars(select(Blob.content).where(Blob.sha256 == digest)).one()
        if sha256_hex(content) != digest:
            raise ValueError(f"blob {digest} does not match its digest")
        return content
