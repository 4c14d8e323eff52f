"""The composition root: the one place that wires concrete adapters into the core's ports."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field

import dramatiq

from mail_gateway.service import MailGateway
from mail_gateway.transport import build_transport
from pipeline.commands.webhooks import queue_webhook_calls
from pipeline.context import MailTransport, PipelineContext
from pipeline.domain.clock import Clock, SystemClock
from pipeline.domain.elections import load_elections
from pipeline.settings import Settings
from pipeline.store.db import Database, installation_secret, make_engine
from workers.actors import declare_actors
from workers.broker import build_broker
from workers.reconciler import ReconcilerLoop
from workers.relay import Relay
from workers.scheduler import SchedulerLoop

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """Everything one process runs, built from the settings; ``start_*`` and ``stop`` drive it."""

    ctx: PipelineContext
    broker: dramatiq.Broker
    relay: Relay
    secret_key: str
    worker: dramatiq.Worker | None = None
    reconciler: ReconcilerLoop | None = None
    scheduler: SchedulerLoop | None = None
    mail_gateway: MailGateway | None = None
    started: list[str] = field(default_factory=list)

    def start_relay(self) -> None:
        self.relay.start()
        self.started.append("relay")

    def start_worker(self) -> None:
        """Consume every stage queue, and run the reconciler; safe in many processes at once."""
        self.worker = dramatiq.Worker(self.broker, worker_threads=self.ctx.settings.worker_threads,
                                      worker_timeout=1000)
        self.worker.start()
        self.reconciler = ReconcilerLoop(self.ctx)
        self.reconciler.start()
        self.scheduler = SchedulerLoop(self.ctx)
        self.scheduler.start()
        self.started.append("worker")

    def start_mail_gateway(self) -> MailGateway:
        """Receive replies and bounces (SMTP, and IMAP when configured)."""
        self.mail_gateway = MailGateway(self.ctx).start()
        self.started.append("mail-gateway")
        return self.mail_gateway

    def stop(self) -> None:
        if self.mail_gateway is not None:
            self.mail_gateway.stop()
        if self.worker is not None:
            self.worker.stop(timeout=30_000)
        if self.reconciler is not None:
            self.reconciler.stop()
        if self.scheduler is not None:
            self.scheduler.stop()
        if "relay" in self.started:
            self.relay.stop()
        self.broker.close()
        self.ctx.db.dispose()


def build_runtime(settings: Settings, *, clock: Clock | None = None,
                  mail_transport: MailTransport | None = None) -> Runtime:
    pool = settings.worker_threads + settings.web_threads + 4
    db = Database(make_engine(settings.database_url, pool_size=pool))
    ctx = PipelineContext(
        db=db,
        settings=settings,
        mail_transport=mail_transport or build_transport(settings.smtp_url),
        clock=clock or SystemClock(),
        elections=load_elections(settings.elections_file),
    )
    # Partners' webhooks hear of each step of a dossier, in the transaction that records it.
    db.on_changes = functools.partial(queue_webhook_calls, ctx)
    broker = build_broker(ctx)
    declare_actors(broker, ctx)
    relay = Relay(ctx, broker)
    db.on_outbox = relay.notify
    secret = settings.secret_key or installation_secret(db)
    return Runtime(ctx=ctx, broker=broker, relay=relay, secret_key=secret)
