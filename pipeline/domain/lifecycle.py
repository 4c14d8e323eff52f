"""The dossier lifecycle: states, agent actions, and which action is legal in which state.

Plain data and functions, no I/O: the ``Dossier`` model calls ``decide`` before any change.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    SUBMITTED = "submitted"
    INCOMPLETE = "incomplete"
    TRANSMITTED = "transmitted"
    RECEIVED = "received"
    CLOSED = "closed"
    PURGED = "purged"


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    REFUSED = "refused"


class Action(StrEnum):
    """What an agent (or the citizen, or the pipeline) asks to do with a dossier."""

    # Agents, from any channel.
    RECU = "recu"
    ACCEPTER = "accepter"
    REFUSER = "refuser"
    COMPLETER = "completer"
    CLORE = "clore"
    # Either side: a message on the dossier, which changes nothing (agent ↔ citizen).
    MESSAGE = "message"
    # The citizen.
    SUBMIT = "submit"
    COMPLETE = "complete"
    # The pipeline.
    VALIDATED = "validated"
    FOUND_INCOMPLETE = "found_incomplete"
    CLOSE = "close"
    PURGE = "purge"


class Stage(StrEnum):
    """Pipeline stages; a dossier's ``stage`` names the work it waits for, None for a person."""

    INTAKE = "intake"
    VALIDATION = "validation"
    NOTIFICATION = "notification"
    ATTESTATION = "attestation"
    DEPOSIT = "deposit"
    CLOSURE = "closure"


#: Actions an agent may take, by any channel (web, e-mail reply, API).
AGENT_ACTIONS = frozenset({Action.RECU, Action.ACCEPTER, Action.REFUSER, Action.COMPLETER,
                           Action.CLORE})
#: Agent actions that need a motive, which the citizen will read.
NEEDS_MOTIVE = frozenset({Action.REFUSER, Action.COMPLETER})

#: Agent-facing labels, the national "Gestionnaire de suivi"'s words.
STATUS_LABELS = {
    Status.SUBMITTED: "Dossier déposé, en cours de vérification",
    Status.INCOMPLETE: "Dossier à compléter",
    Status.TRANSMITTED: "Dossier transmis au service traitant",
    Status.RECEIVED: "Dossier reçu par le service traitant",
    Status.CLOSED: "Dossier clos",
    Status.PURGED: "Dossier supprimé (durée de conservation écoulée)",
}
ACTION_LABELS = {
    Action.RECU: "Dossier reçu par le service traitant",
    Action.ACCEPTER: "Demande acceptée",
    Action.REFUSER: "Demande refusée",
    Action.COMPLETER: "Pièces ou informations demandées",
    Action.CLORE: "Dossier clos",
    Action.MESSAGE: "Message",
    Action.SUBMIT: "Dossier déposé",
    Action.COMPLETE: "Dossier complété par l'usager",
    Action.VALIDATED: "Dossier transmis au service traitant",
    Action.FOUND_INCOMPLETE: "Dossier incomplet",
    Action.CLOSE: "Dossier clos",
    Action.PURGE: "Données supprimées",
}


class IllegalTransition(Exception):
    """The action is not allowed in the dossier's current state; the message says why."""


@dataclass(frozen=True)
class Decision:
    """What an action does: the new status, the outcome it records, the stage it starts."""

    status: Status
    outcome: Outcome | None
    stage: Stage | None


def decide(
    status: Status,
    stage: Stage | None,
    outcome: Outcome | None,
    action: Action,
    *,
    demarche_issues_attestation: bool,
    comment: str = "",
) -> Decision:
    """Return what ``action`` does to a dossier in this state, or raise IllegalTransition."""
    if action in AGENT_ACTIONS:
        return _decide_agent(status, stage, outcome, action, demarche_issues_attestation, comment)
    if action is Action.COMPLETE:
        _require(status is Status.INCOMPLETE, "le dossier n'est pas à compléter")
        return Decision(Status.SUBMITTED, None, Stage.VALIDATION)
    if action in (Action.VALIDATED, Action.FOUND_INCOMPLETE):
        _require(status is Status.SUBMITTED and stage is Stage.VALIDATION,
                 "le dossier n'attend pas de vérification")
        if action is Action.VALIDATED:
            return Decision(Status.TRANSMITTED, None, Stage.NOTIFICATION)
        return Decision(Status.INCOMPLETE, None, None)
    if action is Action.CLOSE:
        _require(stage is Stage.CLOSURE, "la clôture n'a pas été demandée")
        return Decision(Status.CLOSED, outcome, None)
    if action is Action.PURGE:
        _require(status is Status.CLOSED, "seul un dossier clos peut être purgé")
        return Decision(Status.PURGED, outcome, None)
    raise IllegalTransition(f"action inconnue : {action}")


def _decide_agent(
    status: Status,
    stage: Stage | None,
    outcome: Outcome | None,
    action: Action,
    issues_attestation: bool,
    comment: str,
) -> Decision:
    if action in NEEDS_MOTIVE and not comment.strip():
        raise IllegalTransition(f"un motif est obligatoire pour « {action.value} »")
    if status is Status.CLOSED or status is Status.PURGED:
        raise IllegalTransition("le dossier est clos")
    if status is Status.SUBMITTED:
        raise IllegalTransition("le dossier est encore en cours de vérification")
    if status is Status.INCOMPLETE and action not in (Action.REFUSER, Action.CLORE):
        # A citizen who never completes must not leave the dossier open for ever.
        raise IllegalTransition("le dossier attend les compléments de l'usager : seuls "
                                "« refuser » et « clore » sont possibles")
    # The agents' notification may still be on its way: that is no reason to wait.
    if outcome is not None or stage not in (None, Stage.NOTIFICATION):
        raise IllegalTransition("une décision est déjà en cours de traitement sur ce dossier")
    if action is Action.RECU:
        _require(status is Status.TRANSMITTED, "le dossier est déjà reçu par le service traitant")
        return Decision(Status.RECEIVED, None, stage)  # a pending notification still goes
    if action is Action.COMPLETER:
        return Decision(Status.INCOMPLETE, None, stage)
    if action is Action.ACCEPTER:
        first = Stage.ATTESTATION if issues_attestation else Stage.CLOSURE
        return Decision(status, Outcome.ACCEPTED, first)
    if action is Action.REFUSER:
        return Decision(status, Outcome.REFUSED, Stage.CLOSURE)
    return Decision(status, None, Stage.CLOSURE)  # CLORE


def _require(condition: bool, reason: str) -> None:
    if not condition:
        raise IllegalTransition(reason)
