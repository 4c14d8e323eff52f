"""Calling a partner's webhook: one POST per step of a dossier, signed, made until the partner
answers 2xx, then never again.

Like a mail (``pipeline.mail.outbox``), each call is a row first: claimed for a lease, sent,
marked delivered the moment the partner answers 2xx. A failure puts it back with the error and
raises, so that the broker tries again with a growing delay; after ``MAX_ATTEMPTS`` the call is
marked failed and listed with the failed work, where an operator replays it. A call is made
twice only when the partner answered but the row could not say so (a worker dying between the
two): it carries the same ``X-Teledossier-Delivery`` id, for the partner to recognise.

Signature: ``X-Teledossier-Signature: sha256=<hex>``, the HMAC-SHA256 with the webhook's secret
of ``<X-Teledossier-Timestamp>.<body>``.
"""

from __future__ import annotations

import hashlib
import hmac
import urllib.error
import urllib.request
from datetime import timedelta
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from sqlalchemy import and_, func, insert, or_, select, update

from pipeline.context import PipelineContext
from pipeline.domain.queues import DELIVER_ACTOR, WEBHOOK_QUEUE
from pipeline.errors import PermanentError
from pipeline.store.model import ApiToken, FailedWork, Webhook, WebhookDelivery

#: Seconds a partner has to answer one call.
TIMEOUT_SECONDS = 10
#: A call is tried this many times (with the broker's growing delays: about half an hour).
MAX_ATTEMPTS = 12
#: A call claimed longer ago than this belongs to a worker that died: it is taken again.
LEASE = timedelta(seconds=60)
CALLS = WebhookDelivery.__table__


class WebhookCallFailed(Exception):
    """The partner did not answer 2xx in time; the broker tries again later."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is the partner's mistake, not an address to follow with our signature."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


OPENER = urllib.request.build_opener(_NoRedirect)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body,
                                hashlib.sha256).hexdigest()


def deliver_webhook(delivery_id: str, ctx: PipelineContext) -> None:
    """Make one call once; safe to run twice and after a crash at any point."""
    now = ctx.clock.now()
    with ctx.db.connect() as connection:
        call = connection.execute(
            update(CALLS).where(CALLS.c.id == delivery_id, or_(
                CALLS.c.status == "pending",
                and_(CALLS.c.status == "sending", CALLS.c.updated_at < now - LEASE)))
            .values(status="sending", attempts=CALLS.c.attempts + 1, updated_at=now)
            .returning(CALLS.c.id, CALLS.c.webhook_id, CALLS.c.dossier_id, CALLS.c.payload,
                       CALLS.c.attempts)).first()
        hook = None if call is None else connection.execute(
            select(Webhook.url, Webhook.secret, Webhook.revoked_at, ApiToken.revoked_at.label(
                "token_revoked_at")).join(ApiToken, ApiToken.id == Webhook.token_id)
            .where(Webhook.id == call.webhook_id)).first()
    if call is None:
        return  # delivered, failed, or being made by another worker
    if hook is None:
        raise PermanentError(f"webhook {call.webhook_id} introuvable")
    if hook.revoked_at is not None or hook.token_revoked_at is not None:
        # Removed (or its token revoked) since the step: the partner asked for no more calls.
        _set(ctx, delivery_id, status="cancelled", last_error=None)
        return
    try:
        _post(hook.url, hook.secret, call.id, call.payload.encode(), ctx)
    except WebhookCallFailed as error:
        if call.attempts >= MAX_ATTEMPTS:
            _fail(ctx, call, f"{call.attempts} essais sans succès ; dernier : {error}")
            return
        _set(ctx, delivery_id, status="pending", last_error=str(error)[:2000])
        raise
    _set(ctx, delivery_id, status="delivered", delivered_at=ctx.clock.now(), last_error=None)


def _post(url: str, secret: str, delivery_id: str, body: bytes, ctx: PipelineContext) -> None:
    timestamp = str(int(ctx.clock.now().timestamp()))
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Teledossier-Webhook/1.0",
        "X-Teledossier-Delivery": delivery_id,
        "X-Teledossier-Timestamp": timestamp,
        "X-Teledossier-Signature": signature(secret, timestamp, body)})
    try:
        with OPENER.open(request, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except (OSError, ValueError) as error:
        raise WebhookCallFailed(f"{type(error).__name__} : {error}") from error
    if not 200 <= status < 300:
        raise WebhookCallFailed(f"le partenaire a répondu {status}")


def _set(ctx: PipelineContext, delivery_id: str, **values: Any) -> None:
    with ctx.db.connect() as connection:
        connection.execute(update(CALLS).where(CALLS.c.id == delivery_id).values(
            updated_at=ctx.clock.now(), **values))


def _fail(ctx: PipelineContext, call: Any, reason: str) -> None:
    """Give up on a call: marked failed and listed with the failed work, to replay."""
    now = ctx.clock.now()
    with ctx.db.connect() as connection:
        connection.execute(update(CALLS).where(CALLS.c.id == call.id).values(
            status="failed", last_error=reason[:2000], updated_at=now))
        connection.execute(insert(FailedWork.__table__).values(
            queue=WEBHOOK_QUEUE, actor=DELIVER_ACTOR, args=[call.id], message_id=call.id,
            dossier_id=call.dossier_id, reason=reason, attempts=call.attempts, failed_at=now))


class WebhookLine(NamedTuple):
    """One webhook as operators see it: whose, where (the host only), its calls by state."""

    id: int
    token_id: int
    host: str
    live: bool
    pending: int
    delivered: int
    failed: int
    last_error: str


def webhook_overview(ctx: PipelineContext) -> list[WebhookLine]:
    """Every webhook with its calls counted by state and its latest error, newest first."""
    with ctx.db.transaction() as session:
        hooks = session.execute(select(Webhook.id, Webhook.token_id, Webhook.url,
                                       Webhook.revoked_at).order_by(Webhook.id.desc())).all()
        counts: dict[tuple[int, str], int] = {
            (hook_id, status): count for hook_id, status, count in session.execute(
                select(CALLS.c.webhook_id, CALLS.c.status, func.count())
                .group_by(CALLS.c.webhook_id, CALLS.c.status))}
        errors = dict(session.execute(
            select(CALLS.c.webhook_id, func.max(CALLS.c.last_error))
            .where(CALLS.c.last_error.is_not(None)).group_by(CALLS.c.webhook_id)).all())
    return [WebhookLine(hook.id, hook.token_id, urlsplit(hook.url).hostname or "",
                        hook.revoked_at is None,
                        counts.get((hook.id, "pending"), 0) + counts.get((hook.id, "sending"), 0),
                        counts.get((hook.id, "delivered"), 0), counts.get((hook.id, "failed"), 0),
                        (errors.get(hook.id) or "").splitlines()[-1:][0]
                        if errors.get(hook.id) else "")
            for hook in hooks]
