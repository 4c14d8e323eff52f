"""Validation stage: apply the démarche's rules; transmit to the agents or ask the citizen."""

from __future__ import annotations

from pipeline.context import PipelineContext
from pipeline.documents import render_form
from pipeline.documents.stored import FORM_KINDS, dossier_facts, store_document
from pipeline.domain.clock import PARIS
from pipeline.domain.demarches import ValidationContext
from pipeline.domain.lifecycle import Action, Stage
from pipeline.mail import wording
from pipeline.mail.outbox import queue_mail
from pipeline.mail.pages import follow_url
from pipeline.mail.wording import sender_name
from pipeline.store.competence import commune_codes
from pipeline.store.dossiers import attachment_infos, demarche_of, lock_stage


def validate_dossier(dossier_id: str, ctx: PipelineContext) -> None:
    """Check the dossier; complete → transmitted, otherwise → incomplete with reasons."""
    with ctx.db.transaction() as session:
        dossier = lock_stage(session, dossier_id, Stage.VALIDATION)
        if dossier is None:
            return  # done by an earlier run, or parked
        demarche = demarche_of(dossier)
        rules = ValidationContext(
            # Ages and deadlines are judged on the day of filing, not on the day this runs
            # (a dossier filed at 23:59 on the deadline day is in time).
            today=dossier.submitted_at.astimezone(PARIS).date(),
            commune_insee=dossier.commune.insee,
            commune_codes=ctx.cache.get(
                ("codes", dossier.commune_id),
                lambda: commune_codes(session, dossier.commune)),
            elections=ctx.elections,
            rco_requires_proof_of_address=dossier.commune.rco_requires_proof_of_address,
        )
        report = demarche.validate(dossier.data, attachment_infos(session, dossier.id), rules)
        dossier.report = report.as_json()
        now = ctx.clock.now()
        if report.complete:
            dossier.apply(Action.VALIDATED, at=now, actor="system", channel="pipeline")
            # The pre-filled form, redrawn at each validation: the data may have been completed.
            store_document(session, ctx, dossier, FORM_KINDS[dossier.demarche],
                           render_form(dossier_facts(dossier)), replace=True)
            return
        entry = dossier.apply(Action.FOUND_INCOMPLETE, at=now, actor="system",
                              channel="pipeline", comment="\n".join(report.missing))
        subject, body = wording.incomplete(dossier, report.missing,
                                                  follow_url(ctx, dossier))
        queue_mail(session, ctx, cause=dossier.cause(entry.seq), recipient=dossier.citizen_email,
                   purpose="incomplete", subject=subject, body=body,
                   sender_name=sender_name(dossier), dossier=dossier, replies="citizen")
