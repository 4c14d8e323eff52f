"""Partners' webhooks: registered per API token, and a call queued for each step of each of the
commune's dossiers, in the transaction that records the step (transactional outbox).

The secret that signs the calls is drawn here and shown once, at registration; it is kept in
clear (an HMAC needs it), like the communes' signing keys: protect the database.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.context import PipelineContext
from pipeline.domain.queues import DELIVER_ACTOR, WEBHOOK_QUEUE
from pipeline.store.db import add_message, upsert_ignore
from pipeline.store.model import ApiToken, Dossier, Webhook, WebhookDelivery, new_id

#: Webhooks one token may have at once.
MAX_PER_TOKEN = 5
MAX_URL_LENGTH = 500
#: Prefix of the secrets, so that secret scanners recognise them.
SECRET_PREFIX = "tdw_"


class WebhookRefused(ValueError):
    """The address cannot be registered; the text says why, in French."""


@dataclass(frozen=True)
class WebhookInfo:
    id: int
    url: str
    created_at: datetime


def url_error(url: str) -> str | None:
    """Why ``url`` is no address to call, in French; None when it is one."""
    if not url or len(url) > MAX_URL_LENGTH:
        return f"l'adresse doit compter de 1 à {MAX_URL_LENGTH} caractères"
    try:
        parts = urlsplit(url)
    except ValueError:
        return "adresse illisible"
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "l'adresse doit commencer par https:// (ou http://) et nommer un hôte"
    if parts.username or parts.password:
        return "l'adresse ne doit pas contenir d'identifiants"
    if any(ord(char) < 33 for char in url):
        return "l'adresse ne doit contenir ni espace ni caractère de contrôle"
    return None


def register_webhook(ctx: PipelineContext, token_id: int, url: str) -> tuple[WebhookInfo, str]:
    """Register an address for the token's commune; the secret is returned once."""
    if problem := url_error(url):
        raise WebhookRefused(problem)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    with ctx.db.transaction() as session:
        token = session.get(ApiToken, token_id, with_for_update=True)
        if token is None or token.revoked_at is not None:
            raise WebhookRefused("jeton inconnu ou révoqué")
        if len(_live(session, token_id)) >= MAX_PER_TOKEN:
            raise WebhookRefused(f"au plus {MAX_PER_TOKEN} webhooks par jeton : supprimez-en un")
        hook = Webhook(token_id=token_id, commune_id=token.commune_id, url=url, secret=secret,
                       created_at=ctx.clock.now())
        session.add(hook)
        session.flush()
        info = WebhookInfo(hook.id, hook.url, hook.created_at)
    ctx.cache.forget(("webhooks", token.commune_id))  # this process knows at once
    return info, secret


def list_webhooks(ctx: PipelineContext, token_id: int) -> list[WebhookInfo]:
    with ctx.db.transaction() as session:
        return [WebhookInfo(h.id, h.url, h.created_at) for h in _live(session, token_id)]


def remove_webhook(ctx: PipelineContext, token_id: int, webhook_id: int) -> bool:
    """Stop calling a webhook of this token, queued calls included; False if unknown."""
    with ctx.db.transaction() as session:
        hook = session.get(Webhook, webhook_id, with_for_update=True)
        if hook is None or hook.token_id != token_id or hook.revoked_at is not None:
            return False
        hook.revoked_at = ctx.clock.now()
        commune_id = hook.commune_id
    ctx.cache.forget(("webhooks", commune_id))
    return True


def _live(session: Session, token_id: int) -> list[Webhook]:
    return list(session.scalars(select(Webhook).where(
        Webhook.token_id == token_id, Webhook.revoked_at.is_(None)).order_by(Webhook.id)))


def queue_webhook_calls(ctx: PipelineContext, session: Session, dossiers: list[Dossier]) -> None:
    """``Database.on_changes``: a call per live webhook of the commune and per new step, written
    with its message in the transaction that records the step."""
    for dossier in dossiers:
        hooks = ctx.cache.get(("webhooks", dossier.commune_id),
                              lambda commune_id=dossier.commune_id: _hooks_of(session,
                                                                              commune_id))
        if not hooks:
            continue
        for entry in dossier.pending_changes:
            body = json.dumps(_event(ctx, dossier, entry), ensure_ascii=False)
            for hook_id in hooks:
                delivery_id = new_id()
                if upsert_ignore(session, WebhookDelivery, id=delivery_id, webhook_id=hook_id,
                                 dossier_id=dossier.id, seq=entry.seq, payload=body,
                                 status="pending", attempts=0, created_at=entry.at,
                                 updated_at=entry.at):
                    add_message(session, WEBHOOK_QUEUE, DELIVER_ACTOR, [delivery_id], entry.at)


def _hooks_of(session: Session, commune_id: int) -> list[int]:
    """The live webhooks of a commune's live tokens (a revoked token's hooks stop with it)."""
    # Who registered a webhook changes rarely: a minute's delay in other processes is fine.
    return list(session.scalars(
        select(Webhook.id).join(ApiToken, ApiToken.id == Webhook.token_id)
        .where(Webhook.commune_id == commune_id, Webhook.revoked_at.is_(None),
               ApiToken.revoked_at.is_(None))))


def _event(ctx: PipelineContext, dossier: Dossier, entry: object) -> dict[str, object]:
    """What a call says: which dossier, which step, where it stands; no personal data."""
    return {
        "event": "dossier.changed",
        "reference": dossier.reference,
        "demarche": dossier.demarche,
        "seq": entry.seq,  # type: ignore[attr-defined]
        "action": entry.action,  # type: ignore[attr-defined]
        "at": entry.at.isoformat(),  # type: ignore[attr-defined]
        "status": entry.to_status,  # type: ignore[attr-defined]
        "outcome": dossier.outcome,
        "status_url": f"{ctx.settings.public_url}/api/v1/dossiers/{dossier.reference}",
    }
