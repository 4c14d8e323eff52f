"""Intake stage: acknowledge a submitted dossier (its récépissé attached), and hand it on."""

from __future__ import annotations

from pipeline.context import PipelineContext
from pipeline.documents import render_recepisse
from pipeline.documents.stored import dossier_facts, find_document, store_document
from pipeline.domain.lifecycle import Stage
from pipeline.mail import wording
from pipeline.mail.outbox import queue_mail
from pipeline.mail.pages import follow_url
from pipeline.mail.wording import sender_name
from pipeline.store.dossiers import demarche_of, finish_stage, lock_stage


def acknowledge_submission(dossier_id: str, ctx: PipelineContext) -> None:
    """Mail the citizen the reference (once), then hand the dossier on (to validation)."""
    with ctx.db.transaction() as session:
        dossier = lock_stage(session, dossier_id, Stage.INTAKE)
        if dossier is None:
            return  # done by an earlier run, or parked
        subject, body = wording.acknowledgement(dossier, demarche_of(dossier),
                                                       follow_url(ctx, dossier))
        # The proof of filing goes with the acknowledgement (drawn once: a retry finds it).
        receipt = find_document(session, dossier.id, "recepisse") or store_document(
            session, ctx, dossier, "recepisse", render_recepisse(dossier_facts(dossier)))
        queue_mail(session, ctx, cause=dossier.cause(1), recipient=dossier.citizen_email,
                   purpose="acknowledgement", subject=subject, body=body,
                   sender_name=sender_name(dossier), dossier=dossier, replies="citizen",
                   attachment=receipt)
        finish_stage(dossier, Stage.INTAKE, ctx.clock.now())
