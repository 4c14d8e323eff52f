"""The gateway's own SMTP server: takes replies and bounces for the mail domain, queues them.

Recipients are checked at RCPT time (reply addresses whose token exists, bounce addresses of
the mail domain, and postmaster; 550 for anything else, as a mail server refuses an unknown
mailbox, so no one fills the log with mail to made-up addresses). At DATA time a reply the
inbound handler will reject for its sender (not the token's owner, or no DMARC pass where one is
required: the core's one rule, ``pipeline.mail.replies.ownership``) is refused with 550 (it is
still logged, and the token's owner is told); everything else is stored and queued, and the
client gets its 250 as soon as the row is committed.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from pipeline.context import PipelineContext
from pipeline.mail.replies.addresses import is_gateway_address, token_from_address
from pipeline.mail.replies.ownership import sender_refusal
from pipeline.mail.replies.receive import receive_mail
from pipeline.mail.replies.reply import read_reply
from pipeline.mail.replies.tokens import find_reply_token

log = logging.getLogger(__name__)


class GatewayHandler:
    """aiosmtpd hooks: ``handle_RCPT`` filters addresses, ``handle_DATA`` stores the message."""

    def __init__(self, ctx: PipelineContext) -> None:
        self.ctx = ctx

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        domain = self.ctx.settings.mail_domain
        if not is_gateway_address(address, domain):
            return "550 5.1.1 Adresse inconnue de la passerelle"
        token = token_from_address(address, domain)
        if token is not None:
            loop = asyncio.get_running_loop()
            try:
                known = await loop.run_in_executor(None, self.token_exists, token)
            except Exception:
                log.exception("adresse de réponse non vérifiée (%s)", address)
                return "451 4.3.0 Erreur temporaire, réessayez plus tard"
            if not known:
                return "550 5.1.1 Adresse de réponse inconnue"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    def token_exists(self, token: str) -> bool:
        """Whether a reply address was ever issued (revoked and expired ones included: their
        replies are logged and their owner is told why they do nothing)."""
        with self.ctx.db.transaction() as session:
            return find_reply_token(session, token) is not None

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        loop = asyncio.get_running_loop()
        try:
            # The database is blocking work: off the event loop, so other clients go on.
            mail_from = (envelope.mail_from or "").strip().strip("<>")
            return await loop.run_in_executor(None, self.accept, raw, mail_from,
                                              list(envelope.rcpt_tos))
        except Exception:
            log.exception("message non enregistré (de %s)", envelope.mail_from)
            return "451 4.3.0 Erreur temporaire, réessayez plus tard"

    def accept(self, raw: bytes, mail_from: str, rcpt_tos: list[str]) -> str:
        """Store the message; the SMTP answer says whether it will be acted upon."""
        envelope_to = rcpt_tos[0] if rcpt_tos else ""
        reply = read_reply(raw, mail_domain=self.ctx.settings.mail_domain)
        if reply.unreadable:
            return f"554 5.6.0 Message refusé : {reply.unreadable}"
        refusal = sender_refusal(self.ctx, reply, envelope_from=mail_from,
                                 envelope_to=envelope_to)
        received = receive_mail(self.ctx, raw, source="smtp", envelope_from=mail_from,
                                envelope_to=envelope_to)
        if refusal:
            return f"550 5.7.1 Réponse refusée : {refusal}"
        state = "déjà reçu" if received.duplicate else "reçu"
        return f"250 2.0.0 Message {state} ({received.inbound_id})"


def start_smtp_server(ctx: PipelineContext) -> Controller:
    """Listen on ``TELEDOSSIER_INBOUND_SMTP``; STARTTLS when a certificate is configured."""
    settings = ctx.settings
    host, port = settings.inbound_address
    options: dict[str, Any] = {"data_size_limit": settings.inbound_max_bytes,
                               "ident": "Teledossier mail gateway"}
    if settings.inbound_tls_cert and settings.inbound_tls_key:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(settings.inbound_tls_cert, settings.inbound_tls_key)
        options["tls_context"] = tls
    # aiosmtpd logs every SMTP command at INFO: far too much for a production log.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    controller = Controller(GatewayHandler(ctx), hostname=host, port=port,
                            server_hostname=settings.mail_domain, **options)
    try:
        controller.start()
    except OSError as error:
        raise OSError(f"la passerelle de courriel ne peut pas écouter sur {host}:{port} "
                      f"({error.strerror or error}) : port déjà pris ? Réglez "
                      "TELEDOSSIER_INBOUND_SMTP (hôte:port)") from error
    log.info("passerelle de courriel : SMTP sur %s:%s", host, port)
    return controller
