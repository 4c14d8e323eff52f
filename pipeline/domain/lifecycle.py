"""The dossier lifecycle: states, agent actions, which action is legal in which state, and the
flow as data (which stage follows which, which stage an action starts).

Plain data and functions, no I/O: the ``Dossier`` model calls ``decide`` before any change, and
the stages look up their successor in ``NEXT_STAGE``; ``pipeline.flow`` binds a handler to each.
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
    # Agents, once an accepted ILE is entered in the national electoral register (REU).
    SAISI_REU = "saisi_reu"
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


#: What follows each stage once its work is done; None: a person acts next (the agents once
#: notified; nobody once closed). Validation hands on a complete dossier only: an incomplete
#: one waits for the citizen.
NEXT_STAGE: dict[Stage, Stage | None] = {
    Stage.INTAKE: Stage.VALIDATION,
    Stage.VALIDATION: Stage.NOTIFICATION,
    Stage.NOTIFICATION: None,
    Stage.ATTESTATION: Stage.DEPOSIT,
    Stage.DEPOSIT: Stage.CLOSURE,
    Stage.CLOSURE: None,
}
#: The stage a person's action starts. Any other action starts none: « reçu » and « compléter »
#: let a pending notification go on, and the pipeline's own actions end a stage (``NEXT_STAGE``).
STARTED_BY: dict[Action, Stage] = {
    Action.SUBMIT: Stage.INTAKE,
    Action.COMPLETE: Stage.VALIDATION,
    Action.ACCEPTER: Stage.ATTESTATION,
    Action.REFUSER: Stage.CLOSURE,
    Action.CLORE: Stage.CLOSURE,
    Action.SAISI_REU: Stage.CLOSURE,
}
#: The step an accepted request of a démarche kept in a national register (ILE: the REU) waits
#: for before its closure: an agent enters it there and says so with this action. Until then the
#: dossier waits for a person (stage None) with its outcome recorded.
REGISTER_ENTRY = Action.SAISI_REU
#: Stages only a démarche that issues an attestation (RCO) goes through; the others skip them.
ATTESTATION_STAGES = frozenset({Stage.ATTESTATION, Stage.DEPOSIT})

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
    Action.SAISI_REU: "Inscription saisie au répertoire électoral unique (REU)",
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


class MotiveRequired(IllegalTransition):
    """A refusal or a request for more needs a motive, and none was given (nor prepared)."""


def first_stage(stage: Stage | None, *, issues_attestation: bool) -> Stage | None:
    """``stage``, or the first one after it that the dossier's démarche goes through."""
    while stage in ATTESTATION_STAGES and not issues_attestation:
        stage = NEXT_STAGE[stage]
    return stage


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
    demarche_enters_register: bool = False,
    comment: str = "",
) -> Decision:
    """Return what ``action`` does to a dossier in this state, or raise IllegalTransition.

    ``demarche_enters_register``: an accepted request waits for ``REGISTER_ENTRY`` (ILE).
    """
    if action in AGENT_ACTIONS:
        return _decide_agent(status, stage, outcome, action, demarche_issues_attestation,
                             demarche_enters_register, comment)
    if action is REGISTER_ENTRY:
        _require(demarche_enters_register, "cette démarche ne se saisit pas au répertoire "
                                           "électoral unique")
        _require(status in (Status.TRANSMITTED, Status.RECEIVED) and stage is None
                 and outcome is Outcome.ACCEPTED,
                 "seule une demande acceptée qui attend sa saisie au REU peut y être saisie")
        return Decision(status, outcome, STARTED_BY[action])
    if action is Action.COMPLETE:
        _require(status is Status.INCOMPLETE, "le dossier n'est pas à compléter")
        return Decision(Status.SUBMITTED, None, STARTED_BY[action])
    if action in (Action.VALIDATED, Action.FOUND_INCOMPLETE):
        _require(status is Status.SUBMITTED and stage is Stage.VALIDATION,
                 "le dossier n'attend pas de vérification")
        if action is Action.VALIDATED:
            return Decision(Status.TRANSMITTED, None, NEXT_STAGE[Stage.VALIDATION])
        return Decision(Status.INCOMPLETE, None, None)  # the citizen completes it
    if action is Action.CLOSE:
        _require(stage is Stage.CLOSURE, "la clôture n'a pas été demandée")
        return Decision(Status.CLOSED, outcome, NEXT_STAGE[Stage.CLOSURE])
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
    enters_register: bool,
    comment: str,
) -> Decision:
    if action in NEEDS_MOTIVE and not comment.strip():
        raise MotiveRequired(f"un motif est obligatoire pour « {action.value} »")
    if status is Status.CLOSED or status is Status.PURGED:
        raise IllegalTransition("le dossier est clos")
    if status is Status.SUBMITTED:
        raise IllegalTransition("le dossier est encore en cours de vérification")
    if status is Status.INCOMPLETE and action not in (Action.REFUSER, Action.CLORE):
        # A citizen who never completes must not leave the dossier open for ever.
        raise IllegalTransition("le dossier attend les compléments de l'usager : seuls "
                                "« refuser » et « clore » sont possibles")
    if awaits_register_entry(status, stage, outcome):
        raise IllegalTransition("la demande est acceptée et attend sa saisie au répertoire "
                                "électoral unique (REU)")
    # The agents' notification may still be on its way: that is no reason to wait.
    if outcome is not None or stage not in (None, Stage.NOTIFICATION):
        raise IllegalTransition("une décision est déjà en cours de traitement sur ce dossier")
    if action is Action.RECU:
        _require(status is Status.TRANSMITTED, "le dossier est déjà reçu par le service traitant")
        return Decision(Status.RECEIVED, None, stage)  # a pending notification still goes
    if action is Action.COMPLETER:
        return Decision(Status.INCOMPLETE, None, stage)
    started = first_stage(STARTED_BY[action], issues_attestation=issues_attestation)
    if action is Action.ACCEPTER:
        # A request kept in a register is closed once entered there (``REGISTER_ENTRY``).
        return Decision(status, Outcome.ACCEPTED, None if enters_register else started)
    if action is Action.REFUSER:
        return Decision(status, Outcome.REFUSED, started)
    return Decision(status, None, started)  # CLORE


def awaits_register_entry(status: Status, stage: Stage | None, outcome: Outcome | None) -> bool:
    """Whether an accepted request waits for an agent to enter it in the register (REU)."""
    return (outcome is Outcome.ACCEPTED and stage is None
            and status in (Status.TRANSMITTED, Status.RECEIVED))


def _require(condition: bool, reason: str) -> None:
    if not condition:
        raise IllegalTransition(reason)
