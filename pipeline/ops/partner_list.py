"""The commune's dossiers for a partner, a page at a time: filters and an opaque cursor.

The order is (``updated_at``, id): a partner that keeps the last cursor, or asks again with
``updated_since``, finds every dossier that changed since, each change after the ones before.
The cursor names the last row given; nothing is held between two calls.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select

from pipeline.context import PipelineContext
from pipeline.store.model import Dossier

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class BadCursor(ValueError):
    """The cursor was not given by this API (or was altered)."""


@dataclass(frozen=True)
class ListQuery:
    commune_id: int
    demarche: str | None = None
    status: str | None = None
    updated_since: datetime | None = None
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None


def encode_cursor(updated_at: datetime, dossier_id: str) -> str:
    raw = json.dumps([updated_at.isoformat(), dossier_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, dossier_id = json.loads(raw)
        found = datetime.fromisoformat(at)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as error:
        raise BadCursor("curseur invalide : reprenez celui de la réponse précédente") from error
    if found.tzinfo is None or not isinstance(dossier_id, str) or len(dossier_id) > 36:
        raise BadCursor("curseur invalide : reprenez celui de la réponse précédente")
    return found, dossier_id


def list_dossiers(ctx: PipelineContext, query: ListQuery) -> tuple[list[dict[str, Any]],
                                                                  str | None]:
    """One page of the commune's dossiers, and the cursor of the next (None on the last)."""
    conditions: list[Any] = [Dossier.commune_id == query.commune_id]
    if query.demarche:
        conditions.append(Dossier.demarche == query.demarche)
    if query.status:
        conditions.append(Dossier.status == query.status)
    if query.updated_since is not None:
        conditions.append(Dossier.updated_at >= query.updated_since)
    if query.cursor:
        at, last_id = decode_cursor(query.cursor)
        conditions.append(or_(Dossier.updated_at > at,
                              and_(Dossier.updated_at == at, Dossier.id > last_id)))
    with ctx.db.transaction() as session:
        rows = session.execute(
            select(Dossier.id, Dossier.reference, Dossier.demarche, Dossier.status,
                   Dossier.outcome, Dossier.national_number, Dossier.submitted_at,
                   Dossier.updated_at, Dossier.closed_at)
            .where(*conditions).order_by(Dossier.updated_at, Dossier.id)
            .limit(query.limit + 1)).all()
    more = len(rows) > query.limit
    rows = rows[:query.limit]
    items = [{
        "reference": row.reference, "demarche": row.demarche, "status": row.status,
        "outcome": row.outcome, "national_number": row.national_number,
        "submitted_at": row.submitted_at.isoformat(), "updated_at": row.updated_at.isoformat(),
        "closed_at": row.closed_at.isoformat() if row.closed_at else None,
        "status_url": f"{ctx.settings.public_url}/api/v1/dossiers/{row.reference}",
    } for row in rows]
    last = rows[-1] if rows else None
    return items, (encode_cursor(last.updated_at, last.id) if more and last else None)
