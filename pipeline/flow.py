"""The whole flow in one table: which handler runs each queue's messages.

A dossier's ``stage`` names the queue whose work it waits for; each stage's handler does its work
and hands the dossier on, in one transaction with the messages that follow. What follows each
stage is data, ``NEXT_STAGE`` of ``pipeline.domain.lifecycle`` (``Route.next``), and what an
action starts is ``STARTED_BY`` beside it; the queue names are ``pipeline.domain.queues``::

    web / API / national XML ──submit_dossier──▶ stage intake
    intake        acknowledge_submission  citizen acknowledgement mail     ─▶ validation
    validation    validate_dossier        complete: transmitted             ─▶ notification
                                          incomplete: citizen told why      ─▶ (citizen)
    notification  notify_agents           commune's service mailbox         ─▶ (agent)
    agent: reçu / compléter ─▶ (agent / citizen); accepter / refuser / clore ─▶ attestation|closure
    agent: accepter an ILE ─▶ (agent: enters it in the REU); saisi au REU ─▶ closure
    attestation   issue_attestation       RCO accepted only                 ─▶ deposit
    deposit       deposit_documents       into the confidential space       ─▶ closure
    closure       close_dossier           closed, outcome mailed            ─▶ (retention)

The mail side has queues of its own; no dossier waits on them and nothing follows them::

    mail          send_mail               every e-mail, once
    mail gateway (SMTP, IMAP, /dev/mail) ──receive_mail──▶ queue inbound
    inbound       handle_inbound          agent's command / message relayed / bounce / rejected

Partners' webhooks: each step of a dossier, written with it (``Database.on_changes``)::

    webhook       deliver_webhook         one signed call per step and address, once
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pipeline.commands.reply_by_mail import handle_inbound
from pipeline.context import PipelineContext
from pipeline.domain.lifecycle import NEXT_STAGE, Stage
from pipeline.domain.queues import (
    DELIVER_ACTOR,
    HANDLE_ACTOR,
    INBOUND_QUEUE,
    MAIL_QUEUE,
    SEND_ACTOR,
    WEBHOOK_QUEUE,
    stage_of_queue,
)
from pipeline.mail.outbox import send_mail
from pipeline.ops.webhook_calls import MAX_ATTEMPTS, deliver_webhook
from pipeline.stages.attestation import issue_attestation
from pipeline.stages.closure import close_dossier
from pipeline.stages.deposit import deposit_documents
from pipeline.stages.intake import acknowledge_submission
from pipeline.stages.notification import notify_agents
from pipeline.stages.validation import validate_dossier

Handler = Callable[[str, PipelineContext], None]


@dataclass(frozen=True)
class Route:
    queue: str
    actor: str
    handler: Handler
    #: Tries before the work is recorded as failed for good (with backoff in between).
    max_retries: int = 8
    #: Seconds one run may take before it is interrupted; None: the installation's
    #: ``stage_time_limit_seconds``.
    time_limit_seconds: int | None = None

    @property
    def stage(self) -> Stage | None:
        """The dossier stage whose work this queue carries; None on the mail side."""
        return stage_of_queue(self.queue)

    @property
    def next(self) -> Stage | None:
        """The stage that follows once the handler is done; None: a person, or the mail side."""
        return NEXT_STAGE[self.stage] if self.stage is not None else None


def stage_route(stage: Stage, handler: Handler) -> Route:
    """A stage's route: its queue and its actor bear the stage's name."""
    return Route(stage.value, stage.value, handler)


#: A dossier's stages, in the order of the flow.
STAGE_ROUTES: tuple[Route, ...] = (
    stage_route(Stage.INTAKE, acknowledge_submission),
    stage_route(Stage.VALIDATION, validate_dossier),
    stage_route(Stage.NOTIFICATION, notify_agents),
    stage_route(Stage.ATTESTATION, issue_attestation),
    stage_route(Stage.DEPOSIT, deposit_documents),
    stage_route(Stage.CLOSURE, close_dossier),
)
#: The mail side: sending every e-mail, and handling what the mail gateway received.
MAIL_ROUTES: tuple[Route, ...] = (
    # Mail keeps trying through a relay outage; send_mail itself gives up after GIVE_UP_AFTER.
    # Its time limit covers a whole SMTP exchange (each command has its own 20 s timeout).
    Route(MAIL_QUEUE, SEND_ACTOR, send_mail, max_retries=30, time_limit_seconds=120),
    # Replies and bounces: a command (``pipeline.commands.reply_by_mail``), not a stage.
    Route(INBOUND_QUEUE, HANDLE_ACTOR, handle_inbound),
)
#: The partners' webhooks: ``deliver_webhook`` gives up by itself after MAX_ATTEMPTS.
PARTNER_ROUTES: tuple[Route, ...] = (
    Route(WEBHOOK_QUEUE, DELIVER_ACTOR, deliver_webhook, max_retries=MAX_ATTEMPTS + 3,
          time_limit_seconds=60),
)
ROUTES: tuple[Route, ...] = STAGE_ROUTES + MAIL_ROUTES + PARTNER_ROUTES
