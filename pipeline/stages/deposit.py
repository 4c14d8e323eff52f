"""Deposit stage: put the attestation into the citizen's confidential space, and tell them.

The space is keyed by the citizen's e-mail address: a citizen without an account (a dossier from
a partner portal) finds the document once the address is verified. The pipeline never waits.
"""

from __future__ import annotations

from pipeline.commands.deposit import deposit_document, space_url
from pipeline.context import PipelineContext
from pipeline.documents.stored import find_document
from pipeline.domain.lifecycle import Stage
from pipeline.mail import wording
from pipeline.mail.outbox import queue_mail
from pipeline.mail.wording import sender_name
from pipeline.store.dossiers import finish_stage, lock_stage


def deposit_documents(dossier_id: str, ctx: PipelineContext) -> None:
    with ctx.db.transaction() as session:
        dossier = lock_stage(session, dossier_id, Stage.DEPOSIT)
        if dossier is None:
            return  # done by an earlier run, or parked
        attestation = find_document(session, dossier.id, "attestation")
        if attestation is not None:
            deposit_document(session, ctx, dossier, attestation)
            subject, body = wording.documents_await(dossier, [attestation.filename],
                                                           space_url(ctx))
            queue_mail(session, ctx, cause=dossier.cause(), recipient=dossier.citizen_email,
                       purpose="documents_await", subject=subject, body=body,
                       sender_name=sender_name(dossier), dossier=dossier, replies="citizen")
        finish_stage(dossier, Stage.DEPOSIT, ctx.clock.now())
