"""Agents' actions on a dossier, the same for every channel: web page, e-mail reply, API."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.context import PipelineContext
from pipeline.domain.demarches.limits import FREE_TEXT_MAX_LENGTH, free_text_error
from pipeline.domain.lifecycle import (
    ACTION_LABELS,
    AGENT_ACTIONS,
    Action,
    IllegalTransition,
    decide,
)
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


class Acted(NamedTuple):
    """What an action did, or would do when it was only checked."""

    dossier: Dossier
    #: The comment the citizen reads: the agent's, or the motive validation prepared.
    comment: str
    #: False when the action was only checked: nothing changed.
    applied: bool


def find_dossier_id(ctx: PipelineContext, commune_id: int, reference: str) -> str:
    """The id of a commune's dossier by reference; DossierNotFound otherwise."""
    with ctx.db.transaction() as session:
        return _dossier_id(session, commune_id, reference)


def act_on_dossier(
    ctx: PipelineContext,
    commune_id: int,
    reference: str,
    action: Action,
    *,
    actor: str,
    channel: str,
    comment: str = "",
    check_only: bool = False,
) -> Acted:
    """Apply an agent's action, in one transaction with the mail it causes.

    IllegalTransition (with the reason; MotiveRequired when a motive is missing) when the
    action is not allowed now. ``check_only`` decides without changing anything: the web asks
    it before a closing action, to show the agent what the citizen will read.
    """
    with ctx.db.transaction() as session:
        dossier = lock_dossier(session, _dossier_id(session, commune_id, reference))
        if check_only:
            told = check_action(dossier, action, comment)
            return Acted(dossier, told, applied=False)
        entry = apply_action(session, ctx, dossier, action, actor=actor, channel=channel,
                             comment=comment)
    return Acted(dossier, entry.comment, applied=True)


def check_action(dossier: Dossier, action: Action, comment: str = "") -> str:
    """The comment the action would carry; IllegalTransition when it is not allowed now."""
    told = _comment_for(dossier, action, comment)
    demarche = demarche_of(dossier)
    decide(dossier.status_enum, dossier.stage_enum, dossier.outcome_enum, action,
           demarche_issues_attestation=demarche.issues_attestation,
           demarche_enters_register=demarche.enters_register, comment=told)
    return told.strip()


def apply_action(session: Session, ctx: PipelineContext, dossier: Dossier, action: Action, *,
                 actor: str, channel: str, comment: str = "") -> HistoryEntry:
    """Apply an action to a locked dossier in the caller's transaction, with the mail it causes."""
    demarche = demarche_of(dossier)
    entry = dossier.apply(action, at=ctx.clock.now(), actor=actor, channel=channel,
                          comment=_comment_for(dossier, action, comment),
                          issues_attestation=demarche.issues_attestation,
                          enters_register=demarche.enters_register)
    # An acceptance that waits for its entry in the register (ILE) closes only later: the
    # citizen hears of the decision now (the mayor notifies within 2 days).
    if action in TOLD_AT_ONCE or (action is Action.ACCEPTER and dossier.stage is None):
        subject, body = wording.status_change(
            dossier, ACTION_LABELS[action], entry.comment, follow_url(ctx, dossier))
        queue_mail(session, ctx, cause=dossier.cause(entry.seq),
                   recipient=dossier.citizen_email, purpose="status_change",
                   subject=subject, body=body,
                   sender_name=sender_name(dossier), dossier=dossier, replies="citizen")
    return entry


def _comment_for(dossier: Dossier, action: Action, comment: str) -> str:
    """The comment an agent's action carries, before the lifecycle decides on it."""
    if action not in AGENT_ACTIONS:
        raise IllegalTransition(f"action réservée au traitement automatique : {action}")
    if free_text_error(comment, "comment"):
        # The web and the API say so beside the field first; a reply by mail hears it here.
        raise IllegalTransition(f"le commentaire dépasse {FREE_TEXT_MAX_LENGTH} caractères")
    if action is Action.REFUSER and not comment.strip():
        # Validation may have prepared the motive: one action applies it, on every channel.
        return (dossier.report or {}).get("refusal_motive") or ""
    return comment


def _dossier_id(session: Session, commune_id: int, reference: str) -> str:
    found = session.scalar(select(Dossier.id).where(
        Dossier.commune_id == commune_id, Dossier.reference == reference))
    if found is None:
        raise DossierNotFound(reference)
    return found
