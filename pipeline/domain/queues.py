"""Every queue's name, defined once: a stage's queue (and actor) is the stage's own name; the
mail side has two more, and the partners' webhooks one, which no dossier waits on."""

from __future__ import annotations

from pipeline.domain.lifecycle import Stage

#: Outbound mail: every e-mail, sent once (``pipeline.mail.outbox.send_mail``).
MAIL_QUEUE = "mail"
SEND_ACTOR = "send_mail"
#: Inbound mail: replies and bounces the gateway took in (``pipeline.commands.reply_by_mail``).
INBOUND_QUEUE = "inbound"
HANDLE_ACTOR = "handle_inbound"
#: Partners' webhooks: each change of a dossier, called once (``pipeline.ops.webhook_calls``).
WEBHOOK_QUEUE = "webhook"
DELIVER_ACTOR = "deliver_webhook"
#: The stages' queues, in the order of the flow.
STAGE_QUEUES: tuple[str, ...] = tuple(stage.value for stage in Stage)
#: Every queue, in the order of the flow: the stages, the mail side, the partners' webhooks.
QUEUES: tuple[str, ...] = (*STAGE_QUEUES, MAIL_QUEUE, INBOUND_QUEUE, WEBHOOK_QUEUE)


def stage_of_queue(queue: str) -> Stage | None:
    """The stage whose work a queue carries; None for the mail side (or an unknown name)."""
    return Stage(queue) if queue in STAGE_QUEUES else None
