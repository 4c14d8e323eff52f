"""The mail gateway process: the inbound SMTP server, and the IMAP poller when one is configured."""

from __future__ import annotations

import logging
import threading

from aiosmtpd.controller import Controller

from mail_gateway.smtp_server import start_smtp_server
from pipeline.context import PipelineContext
from pipeline.mail.replies.receive import InboundTooLarge, receive_mail

log = logging.getLogger(__name__)


class MailGateway:
    """Starts and stops what receives mail; what it receives is handled by the workers."""

    def __init__(self, ctx: PipelineContext) -> None:
        self.ctx = ctx
        self.smtp: Controller | None = None
        self.poller_thread: threading.Thread | None = None
        self.stopping = threading.Event()

    def start(self) -> MailGateway:
        self.smtp = start_smtp_server(self.ctx)
        if self.ctx.settings.imap_url:
            from mail_gateway.imap_poller import ImapPoller
            from mail_gateway.imap_state import DbPollerState

            poller = ImapPoller(self.ctx.settings.imap_url, self.receive_from_imap,
                                DbPollerState(self.ctx.db),
                                idle_seconds=self.ctx.settings.imap_idle_seconds,
                                max_bytes=self.ctx.settings.inbound_max_bytes)
            self.poller_thread = threading.Thread(target=poller.run, args=(self.stopping,),
                                                  name="imap-poller", daemon=True)
            self.poller_thread.start()
            target = poller.target
            log.info("passerelle de courriel : relève IMAP de %s@%s:%s/%s", target.user,
                     target.host, target.port, target.folder)
        return self

    def receive_from_imap(self, raw: bytes) -> None:
        from mail_gateway.imap_poller import InboundRefused

        try:
            receive_mail(self.ctx, raw, source="imap")
        except InboundTooLarge as error:
            raise InboundRefused(str(error)) from error

    @property
    def smtp_port(self) -> int:
        assert self.smtp is not None
        return int(self.smtp.port)

    def stop(self) -> None:
        self.stopping.set()
        if self.smtp is not None:
            self.smtp.stop()
        if self.poller_thread is not None:
            self.poller_thread.join(10)
