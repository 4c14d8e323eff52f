"""The dossier lifecycle: every legal transition, every illegal one, and what Dossier records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from pipeline.domain.lifecycle import (
    AGENT_ACTIONS,
    NEEDS_MOTIVE,
    Action,
    Decision,
    IllegalTransition,
    Outcome,
    Stage,
    Status,
    decide,
)
from pipeline.store.model import Dossier

T0 = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
MOTIVE = "Pièce illisible : merci de renvoyer une copie nette."


@dataclass(frozen=True)
class State:
    """A dossier's position in the lifecycle: status, pipeline stage, outcome."""

    status: Status
    stage: Stage | None = None
    outcome: Outcome | None = None


#: Every state a dossier can be in, by a readable name.
STATES: dict[str, State] = {
    "submitted_at_intake": State(Status.SUBMITTED, Stage.INTAKE),
    "submitted_at_validation": State(Status.SUBMITTED, Stage.VALIDATION),
    "incomplete": State(Status.INCOMPLETE),
    "transmitted_notifying": State(Status.TRANSMITTED, Stage.NOTIFICATION),
    "transmitted": State(Status.TRANSMITTED),
    "received": State(Status.RECEIVED),
    "transmitted_accepted_attestation": State(Status.TRANSMITTED, Stage.ATTESTATION,
                                              Outcome.ACCEPTED),
    "received_accepted_attestation": State(Status.RECEIVED, Stage.ATTESTATION, Outcome.ACCEPTED),
    "received_accepted_deposit": State(Status.RECEIVED, Stage.DEPOSIT, Outcome.ACCEPTED),
    "received_accepted_closure": State(Status.RECEIVED, Stage.CLOSURE, Outcome.ACCEPTED),
    "transmitted_refused_closure": State(Status.TRANSMITTED, Stage.CLOSURE, Outcome.REFUSED),
    "received_closing": State(Status.RECEIVED, Stage.CLOSURE),
    "closed": State(Status.CLOSED),
    "closed_accepted": State(Status.CLOSED, None, Outcome.ACCEPTED),
    "closed_refused": State(Status.CLOSED, None, Outcome.REFUSED),
    "purged": State(Status.PURGED, None, Outcome.ACCEPTED),
}

#: Every legal (state, action) pair and its decision, for an RCO dossier (issues an attestation).
#: Everything not listed here must be refused.
LEGAL: dict[tuple[str, Action], Decision] = {
    ("submitted_at_validation", Action.VALIDATED):
        Decision(Status.TRANSMITTED, None, Stage.NOTIFICATION),
    ("submitted_at_validation", Action.FOUND_INCOMPLETE): Decision(Status.INCOMPLETE, None, None),
    ("incomplete", Action.COMPLETE): Decision(Status.SUBMITTED, None, Stage.VALIDATION),
    ("transmitted", Action.RECU): Decision(Status.RECEIVED, None, None),
    ("transmitted", Action.COMPLETER): Decision(Status.INCOMPLETE, None, None),
    ("transmitted", Action.ACCEPTER):
        Decision(Status.TRANSMITTED, Outcome.ACCEPTED, Stage.ATTESTATION),
    ("transmitted", Action.REFUSER): Decision(Status.TRANSMITTED, Outcome.REFUSED, Stage.CLOSURE),
    ("transmitted", Action.CLORE): Decision(Status.TRANSMITTED, None, Stage.CLOSURE),
    ("received", Action.COMPLETER): Decision(Status.INCOMPLETE, None, None),
    ("received", Action.ACCEPTER): Decision(Status.RECEIVED, Outcome.ACCEPTED, Stage.ATTESTATION),
    ("received", Action.REFUSER): Decision(Status.RECEIVED, Outcome.REFUSED, Stage.CLOSURE),
    ("received", Action.CLORE): Decision(Status.RECEIVED, None, Stage.CLOSURE),
    # An abandoned incomplete dossier can be refused or closed.
    ("incomplete", Action.REFUSER): Decision(Status.INCOMPLETE, Outcome.REFUSED, Stage.CLOSURE),
    ("incomplete", Action.CLORE): Decision(Status.INCOMPLETE, None, Stage.CLOSURE),
    # Agents need not wait for their own notification to go out; it still goes.
    ("transmitted_notifying", Action.RECU):
        Decision(Status.RECEIVED, None, Stage.NOTIFICATION),
    ("transmitted_notifying", Action.COMPLETER):
        Decision(Status.INCOMPLETE, None, Stage.NOTIFICATION),
    ("transmitted_notifying", Action.ACCEPTER):
        Decision(Status.TRANSMITTED, Outcome.ACCEPTED, Stage.ATTESTATION),
    ("transmitted_notifying", Action.REFUSER):
        Decision(Status.TRANSMITTED, Outcome.REFUSED, Stage.CLOSURE),
    ("transmitted_notifying", Action.CLORE): Decision(Status.TRANSMITTED, None, Stage.CLOSURE),
    ("received_accepted_closure", Action.CLOSE): Decision(Status.CLOSED, Outcome.ACCEPTED, None),
    ("transmitted_refused_closure", Action.CLOSE): Decision(Status.CLOSED, Outcome.REFUSED, None),
    ("received_closing", Action.CLOSE): Decision(Status.CLOSED, None, None),
    ("closed", Action.PURGE): Decision(Status.PURGED, None, None),
    ("closed_accepted", Action.PURGE): Decision(Status.PURGED, Outcome.ACCEPTED, None),
    ("closed_refused", Action.PURGE): Decision(Status.PURGED, Outcome.REFUSED, None),
}

ALL_PAIRS = [(name, action) for name in STATES for action in Action]
ILLEGAL = [pair for pair in ALL_PAIRS if pair not in LEGAL]


def decide_in(state: State, action: Action, *, attestation: bool = True,
              comment: str = MOTIVE) -> Decision:
    return decide(state.status, state.stage, state.outcome, action,
                  demarche_issues_attestation=attestation, comment=comment)


def make_dossier(state: State, demarche: str = "RecensementCitoyen") -> Dossier:
    """An unsaved dossier in the given state, with one history entry (its filing)."""
    dossier = Dossier(
        id="d-1", reference="TD-00000000A", commune_id=1, demarche=demarche,
        status=state.status.value, stage=state.stage.value if state.stage else None,
        outcome=state.outcome.value if state.outcome else None, citizen_email="lea@example.org",
        data={}, submitted_at=T0, updated_at=T0, history=[], attachments=[],
    )
    dossier.start(at=T0, actor="citizen", channel="api")
    dossier.status = state.status.value
    dossier.stage = state.stage.value if state.stage else None
    dossier.outcome = state.outcome.value if state.outcome else None
    dossier.pending_stage_message = None
    return dossier


def test_the_tables_cover_every_status_and_action() -> None:
    assert {state.status for state in STATES.values()} == set(Status)
    assert len(ALL_PAIRS) == len(STATES) * len(Action)
    assert set(LEGAL) <= set(ALL_PAIRS)


@pytest.mark.parametrize(("state", "action"), list(LEGAL), ids=[f"{s}-{a}" for s, a in LEGAL])
def test_legal_transition_gives_the_expected_decision(state: str, action: Action) -> None:
    assert decide_in(STATES[state], action) == LEGAL[(state, action)]


@pytest.mark.parametrize(("state", "action"), ILLEGAL, ids=[f"{s}-{a}" for s, a in ILLEGAL])
def test_illegal_transition_is_refused_with_a_reason(state: str, action: Action) -> None:
    with pytest.raises(IllegalTransition) as raised:
        decide_in(STATES[state], action)
    assert str(raised.value).strip()


@pytest.mark.parametrize(("state", "action"), ILLEGAL, ids=[f"{s}-{a}" for s, a in ILLEGAL])
def test_illegal_action_leaves_the_dossier_untouched(state: str, action: Action) -> None:
    dossier = make_dossier(STATES[state])
    before = (dossier.status, dossier.stage, dossier.outcome, len(dossier.history))
    with pytest.raises(IllegalTransition):
        dossier.apply(action, at=T0 + timedelta(hours=1), actor="agent@demoville.test",
                      channel="web", comment=MOTIVE, issues_attestation=True)
    assert (dossier.status, dossier.stage, dossier.outcome, len(dossier.history)) == before
    assert dossier.pending_stage_message is None


@pytest.mark.parametrize("action", sorted(NEEDS_MOTIVE))
@pytest.mark.parametrize("comment", ["", "   ", "\n\t"])
@pytest.mark.parametrize("state", ["transmitted", "received"])
def test_motive_is_required_for_refuser_and_completer(
    state: str, action: Action, comment: str
) -> None:
    with pytest.raises(IllegalTransition, match="motif"):
        decide_in(STATES[state], action, comment=comment)


@pytest.mark.parametrize("action", [Action.RECU, Action.ACCEPTER, Action.CLORE])
def test_other_agent_actions_need_no_motive(action: Action) -> None:
    decide_in(STATES["transmitted"], action, comment="")


def test_only_the_five_agent_actions_are_agent_actions() -> None:
    assert {a.value for a in AGENT_ACTIONS} == {"recu", "accepter", "refuser", "completer",
                                               "clore"}
    assert {a.value for a in NEEDS_MOTIVE} == {"refuser", "completer"}


@pytest.mark.parametrize("state", ["transmitted", "received"])
def test_accepter_starts_attestation_for_rco_and_closure_for_ile(state: str) -> None:
    assert decide_in(STATES[state], Action.ACCEPTER, attestation=True).stage is Stage.ATTESTATION
    assert decide_in(STATES[state], Action.ACCEPTER, attestation=False).stage is Stage.CLOSURE


@pytest.mark.parametrize("attestation", [True, False])
@pytest.mark.parametrize("action", [Action.REFUSER, Action.CLORE])
def test_refuser_and_clore_go_straight_to_closure(action: Action, attestation: bool) -> None:
    decision = decide_in(STATES["received"], action, attestation=attestation)
    assert decision.stage is Stage.CLOSURE
    assert decision.status is Status.RECEIVED


@pytest.mark.parametrize(("state", "action"), list(LEGAL), ids=[f"{s}-{a}" for s, a in LEGAL])
def test_apply_records_the_step_and_moves_the_dossier(state: str, action: Action) -> None:
    dossier = make_dossier(STATES[state])
    expected = LEGAL[(state, action)]
    at = T0 + timedelta(days=2)
    entry = dossier.apply(action, at=at, actor="agent@demoville.test", channel="email",
                          comment=f"  {MOTIVE}  ", issues_attestation=True)

    assert dossier.history[-1] is entry
    assert len(dossier.history) == 2
    assert (entry.seq, entry.at, entry.actor, entry.channel) == (
        2, at, "agent@demoville.test", "email")
    assert entry.action == action.value
    assert entry.from_status == STATES[state].status.value
    assert entry.to_status == expected.status.value
    assert entry.comment == MOTIVE  # stripped
    assert dossier.status == expected.status.value
    assert dossier.outcome == (expected.outcome.value if expected.outcome else None)
    assert dossier.stage == (expected.stage.value if expected.stage else None)
    assert dossier.stage_since == (at if expected.stage else None)
    assert dossier.pending_stage_message is expected.stage
    assert dossier.updated_at == at
    assert dossier.closed_at == (at if expected.status is Status.CLOSED else None)


def test_apply_accepter_on_rco_sets_attestation_stage() -> None:
    dossier = make_dossier(STATES["received"])
    dossier.apply(Action.ACCEPTER, at=T0, actor="agent@demoville.test", channel="web",
                  issues_attestation=True)
    assert (dossier.stage, dossier.outcome) == ("attestation", "accepted")


def test_apply_accepter_on_ile_waits_for_its_entry_in_the_reu() -> None:
    # An accepted ILE is closed once entered in the REU (tests/unit/test_lifecycle_reu.py):
    # until then it waits for an agent, its outcome recorded.
    dossier = make_dossier(STATES["transmitted"], demarche="InscriptionListesElectorales")
    dossier.apply(Action.ACCEPTER, at=T0, actor="agent@demoville.test", channel="api",
                  issues_attestation=False, enters_register=True)
    assert (dossier.stage, dossier.outcome) == (None, "accepted")


@pytest.mark.parametrize(("action", "outcome"), [(Action.REFUSER, "refused"), (Action.CLORE, None)])
def test_apply_refuser_and_clore_set_closure_stage(action: Action, outcome: str | None) -> None:
    dossier = make_dossier(STATES["received"])
    dossier.apply(action, at=T0, actor="agent@demoville.test", channel="web", comment=MOTIVE,
                  issues_attestation=True)
    assert (dossier.stage, dossier.outcome) == ("closure", outcome)


def test_close_keeps_the_agents_outcome_and_stamps_closed_at() -> None:
    dossier = make_dossier(STATES["received"])
    dossier.apply(Action.REFUSER, at=T0, actor="agent@demoville.test", channel="web",
                  comment=MOTIVE, issues_attestation=True)
    closed_at = T0 + timedelta(minutes=1)
    dossier.apply(Action.CLOSE, at=closed_at, actor="system", channel="pipeline")
    assert (dossier.status, dossier.outcome, dossier.stage) == ("closed", "refused", None)
    assert dossier.closed_at == closed_at
    assert [e.action for e in dossier.history] == ["submit", "refuser", "close"]
    assert [e.seq for e in dossier.history] == [1, 2, 3]


def test_start_records_the_filing_and_waits_for_intake() -> None:
    dossier = Dossier(id="d-2", reference="TD-00000000A", commune_id=1,
                      demarche="RecensementCitoyen", citizen_email="lea@example.org", data={},
                      updated_at=T0, history=[])
    entry = dossier.start(at=T0, actor="citizen", channel="web")
    assert (entry.seq, entry.action, entry.from_status, entry.to_status) == (
        1, "submit", "", "submitted")
    assert (entry.actor, entry.channel) == ("citizen", "web")
    assert (dossier.status, dossier.stage, dossier.stage_since) == ("submitted", "intake", T0)
    assert dossier.submitted_at == T0
    assert dossier.pending_stage_message is Stage.INTAKE


def test_advance_moves_from_the_finished_stage_to_the_next() -> None:
    dossier = make_dossier(STATES["submitted_at_intake"])
    later = T0 + timedelta(seconds=5)
    assert dossier.advance(Stage.INTAKE, Stage.VALIDATION, later) is True
    assert (dossier.stage, dossier.stage_since, dossier.updated_at) == ("validation", later, later)
    assert dossier.pending_stage_message is Stage.VALIDATION


def test_advance_to_no_stage_leaves_the_dossier_to_a_person() -> None:
    dossier = make_dossier(STATES["transmitted_notifying"])
    assert dossier.advance(Stage.NOTIFICATION, None, T0) is True
    assert (dossier.stage, dossier.stage_since) == (None, None)
    assert dossier.pending_stage_message is None


NOT_AT_STAGE = [(name, stage) for name in STATES for stage in Stage
                if STATES[name].stage is not stage]


@pytest.mark.parametrize(("state", "done"), NOT_AT_STAGE,
                         ids=[f"{n}-{s}" for n, s in NOT_AT_STAGE])
def test_advance_returns_false_when_not_at_the_stage(state: str, done: Stage) -> None:
    dossier = make_dossier(STATES[state])
    before = (dossier.stage, dossier.stage_since, dossier.updated_at)
    assert dossier.advance(done, Stage.CLOSURE, T0 + timedelta(hours=1)) is False
    assert (dossier.stage, dossier.stage_since, dossier.updated_at) == before
    assert dossier.pending_stage_message is None


def test_advance_clears_a_failure_mark() -> None:
    dossier = make_dossier(STATES["received_accepted_deposit"])
    dossier.stage_failed_at = T0
    dossier.stage_nudged_at = T0
    assert dossier.advance(Stage.DEPOSIT, Stage.CLOSURE, T0 + timedelta(seconds=1))
    assert (dossier.stage_failed_at, dossier.stage_nudged_at) == (None, None)


def test_recorded_step_has_its_id_at_once() -> None:
    dossier = make_dossier(STATES["received"])
    entry = dossier.apply(Action.CLORE, at=T0, actor="agent@demoville.test", channel="web")
    assert entry.id
