"""The whole flow in one table: which handler runs each queue's messages.

A dossier's ``stage`` names the queue whose work it waits for; each handler does its stage's work
and moves the dossier on, in one transaction with the messages that follow::

    web / API / national XML ──submit_dossier──▶ stage intake
    intake        acknowledge_submission  citizen acknowledgement mail     ─▶ validation
    validation    validate_dossier        complete: transmitted             ─▶ notification
                                          incomplete: citizen told why      ─▶ (citizen)
    notification  notify_agents           commune's service mailbox         ─▶ (agent)
    agent: reçu / compléter ─▶ (agent / citizen); accepter / refuser / clore ─▶ attestation|closure
    attestation   issue_attestation       RCO accepted only                 ─▶ deposit
    deposit       deposit_documents       into the confidential space       ─▶ closure
    closure       close_dossier           closed, outcome mailed            ─▶ (retention)
    mail          send_mail               every e-mail, once

    mail gateway (SMTP, IMAP, /dev/mail) ──receive_mail──▶ queue inbound
    inbound       handle_inbound          agent's command / message relayed / bounce / rejected
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pipeline.commands.reply_by_mail import handle_inbound
from pipeline.context import PipelineContext
from pipeline.domain.lifecycle import Stage
from pipeline.mail.outbox import MAIL_QUEUE, SEND_ACTOR, send_mail
from pipeline.mail.replies.receive import HANDLE_ACTOR, INBOUND_QUEUE
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


ROUTES: tuple[Route, ...] = (
    Route(Stage.INTAKE.value, Stage.INTAKE.value, acknowledge_submission),
    Route(Stage.VALIDATION.value, Stage.VALIDATION.value, validate_dossier),
    Route(Stage.NOTIFICATION.value, Stage.NOTIFICATION.value, notify_agents),
    Route(Stage.ATTESTATION.value, Stage.ATTESTATION.value, issue_attestation),
    Route(Stage.DEPOSIT.value, Stage.DEPOSIT.value, deposit_documents),
    Route(Stage.CLOSURE.value, Stage.CLOSURE.value, close_dossier),
    # Mail keeps trying through a relay outage; send_mail itself gives up after GIVE_UP_AFTER.
    # Its time limit covers a whole SMTP exchange (each command has its own 20 s timeout).
    Route(MAIL_QUEUE, SEND_ACTOR, send_mail, max_retries=30, time_limit_seconds=120),
    Route(INBOUND_QUEUE, HANDLE_ACTOR, handle_inbound),
)
