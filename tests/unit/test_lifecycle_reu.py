"""The ILE's REU step: accepted, then entered in the REU by an agent, then closed."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.domain.demarches import Election
from pipeline.domain.lifecycle import (
    AGENT_ACTIONS,
    REGISTER_ENTRY,
    STARTED_BY,
    Action,
    Decision,
    IllegalTransition,
    Outcome,
    Stage,
    Status,
    awaits_register_entry,
    decide,
)
from pipeline.domain.reu import (
    COMPLEMENTARY_BOTH,
    COMPLEMENTARY_EUROPEAN,
    COMPLEMENTARY_MUNICIPAL,
    GENERAL,
    electoral_list,
    entry_date_error,
    reminder_due,
    reu_number_error,
)


def ile(status: Status, stage: Stage | None, outcome: Outcome | None, action: Action,
        comment: str = "") -> Decision:
    return decide(status, stage, outcome, action, demarche_issues_attestation=False,
                  demarche_enters_register=True, comment=comment)


@pytest.mark.parametrize("status", [Status.TRANSMITTED, Status.RECEIVED])
def test_accepted_ile_waits_for_an_agent_with_its_outcome(status: Status) -> None:
    decision = ile(status, None, None, Action.ACCEPTER)

    assert decision == Decision(status, Outcome.ACCEPTED, None)
    assert awaits_register_entry(decision.status, decision.stage, decision.outcome)


@pytest.mark.parametrize("status", [Status.TRANSMITTED, Status.RECEIVED])
def test_entry_in_the_reu_starts_the_closure(status: Status) -> None:
    assert ile(status, None, Outcome.ACCEPTED, REGISTER_ENTRY) == Decision(
        status, Outcome.ACCEPTED, Stage.CLOSURE)
    assert STARTED_BY[REGISTER_ENTRY] is Stage.CLOSURE
    assert REGISTER_ENTRY not in AGENT_ACTIONS  # not a command by mail or by the API


@pytest.mark.parametrize(("status", "stage", "outcome"), [
    (Status.TRANSMITTED, None, None), (Status.RECEIVED, None, None),
    (Status.RECEIVED, None, Outcome.REFUSED), (Status.RECEIVED, Stage.CLOSURE, Outcome.ACCEPTED),
    (Status.INCOMPLETE, None, None), (Status.CLOSED, None, Outcome.ACCEPTED),
    (Status.SUBMITTED, Stage.VALIDATION, None)])
def test_only_an_accepted_request_awaiting_entry_can_be_entered(
        status: Status, stage: Stage | None, outcome: Outcome | None) -> None:
    with pytest.raises(IllegalTransition, match="REU"):
        ile(status, stage, outcome, REGISTER_ENTRY)


def test_an_rco_has_no_reu_step() -> None:
    with pytest.raises(IllegalTransition, match="répertoire électoral"):
        decide(Status.RECEIVED, None, Outcome.ACCEPTED, REGISTER_ENTRY,
               demarche_issues_attestation=True)
    assert decide(Status.RECEIVED, None, None, Action.ACCEPTER,
                  demarche_issues_attestation=True).stage is Stage.ATTESTATION


@pytest.mark.parametrize("action", sorted(AGENT_ACTIONS))
def test_no_other_decision_while_the_entry_is_awaited(action: Action) -> None:
    with pytest.raises(IllegalTransition, match="attend sa saisie"):
        ile(Status.RECEIVED, None, Outcome.ACCEPTED, action, comment="motif")


@pytest.mark.parametrize(("data", "expected"), [
    ({"Personne": {"Nationalite": "FRA"}}, GENERAL),
    ({"Personne": {}}, GENERAL),
    ({"Personne": {"Nationalite": "ITA"}, "Election": {"Type": "municipales"}},
     COMPLEMENTARY_MUNICIPAL),
    ({"Personne": {"Nationalite": "deu"}, "Election": {"Type": "Européennes"}},
     COMPLEMENTARY_EUROPEAN),
    ({"Personne": {"Nationalite": "ESP"}}, COMPLEMENTARY_BOTH),
])
def test_the_electoral_list_follows_nationality_and_election(data: dict, expected: str) -> None:
    assert electoral_list(data) == expected


def test_entry_day_is_neither_in_the_future_nor_before_the_acceptance() -> None:
    today, accepted = date(2026, 3, 12), date(2026, 3, 10)
    assert entry_date_error(date(2026, 3, 11), accepted_on=accepted, today=today) is None
    assert "futur" in (entry_date_error(date(2026, 3, 13), accepted_on=accepted,
                                        today=today) or "")
    assert "précède" in (entry_date_error(date(2026, 3, 9), accepted_on=accepted,
                                          today=today) or "")
    assert entry_date_error(None, accepted_on=accepted, today=today)


def test_reu_number_is_short_and_plain() -> None:
    assert reu_number_error("") is None
    assert reu_number_error("123 456 789") is None
    assert reu_number_error("<script>")
    assert reu_number_error("9" * 41)


def test_reminders_fall_on_set_days_before_the_registration_deadline() -> None:
    # First round on Sunday 11 April 2027: online deadline the 6th Wednesday before, 3 March.
    election = Election(first_round=date(2027, 4, 11), type="presidentielle")
    assert reminder_due((election,), date(2027, 2, 17)) == (election, date(2027, 3, 3), 14)
    assert reminder_due((election,), date(2027, 3, 3)) == (election, date(2027, 3, 3), 0)
    assert reminder_due((election,), date(2027, 2, 18)) is None
    assert reminder_due((election,), date(2027, 3, 4)) is None
