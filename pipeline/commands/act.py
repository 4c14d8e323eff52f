"""Agents' actions on a dossier, the same for every channel: web page, e-mail reply, API."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.context import PipelineContext
from pipeline.domain.demarches.limits import FREE_TEXT_MAX_LENGTH, free_text_error
from pipeline.domain.lifecycle import ACTION_LABELS, AGENT_ACTIONS, Action, IllegalTransition
from pipeline.mail import wording
from pipeline.mail.outbox import queue_mail
from pipeline.mail.pages import follow_url
from pipeline.mail.wording import sender_name
from pipeline.store.dossiers import demarche_of, lock_dossier
from pipeline.store.model import Dossier, HistoryEntry

#: Actions whose effect the citizen learns at once; decisions are told when the dossier closes.
TOLD_AT_ONCE = frozenset({Action.RECU, Action.COMPLETER})


class DossierNotFound(LookupError):
    """No such dossier in this commune (another commune's dossier is not found either)."""


def find_dossier_id(ctx: PipelineContext, commune_id: int, reference: str) -> str:
    """The id of a commune's dossier by reference; DossierNotFound otherwise."""
    with ctx.db.transaction() as session:
        found = session.scalar(select(Dossier.id).where(
            Dossier.commune_id == commune_id, Dossier.reference == reference))
    if found is None:
        raise DossierNotFound(reference)
    return found


def act_on_dossier(
    ctx: PipelineContext,
    commune_id: int,
    reference: str,
    action: Action,
    *,
    actor: str,
    channel: str,
    comment: str = "",
) -> Dossier:
    """Apply an agent's action; IllegalTransition (with the reason) when not allowed now."""
    dossier_id = find_dossier_id(ctx, commune_id, reference)
    with ctx.db.transaction() as session:
        dossier = lock_dossier(session, dossier_id)
        apply_action(session, ctx, dossier, action, actor=actor, channel=channel,
                     comment=comment)
    return dossier


def apply_action(session: Session, ctx: PipelineContext, dossier: Dossier, action: Action, *,
                 actor: str, channel: str, comment: str = "") -> HistoryEntry:
    """Apply an action to a locked dossier in the caller's transaction, with the mail it causes."""
    if action not in AGENT_ACTIONS:
        raise IllegalTransition(f"action réservée au traitement automatique : {action}")
    if free_text_error(comment, "comment"):
        # The web and the API say so beside the field first; a reply by mail hears it here.
        raise IllegalTransition(f"le commentaire dépasse {FREE_TEXT_MAX_LENGTH} caractères")
    if action is Action.REFUSER and not comment.strip():
        # Validation may have prepared the motive: one action applies it.
        comment = (dossier.report or {}).get("refusal_motive") or ""
    entry = dossier.apply(action, at=ctx.clock.now(), actor=actor, channel=channel,
                          comment=comment,
                          issues_attestation=demarche_of(dossier).issues_attestation)
    if action in TOLD_AT_ONCE:
        subject, body = wording.status_change(
            dossier, ACTION_LABELS[action], entry.comment, follow_url(ctx, dossier))
        queue_mail(session, ctx, cause=dossier.cause(entry.seq),
                   recipient=dossier.citizen_email, purpose="status_change",
                   subject=subject, body=body,
                   sender_name=sender_name(dossier), dossier=dossier, replies="citizen")
    return entry
