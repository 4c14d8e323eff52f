"""The REU step of an accepted ILE: the list of requests to enter, and marking them entered.

Marking one closes it: the action ``saisi_reu`` starts the closure, which tells the citizen, in
one transaction with the entry's date and REU number. Each dossier of a bulk marking has its own
transaction: one that a colleague marked meanwhile is reported, the others go on.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipeline.context import PipelineContext
from pipeline.domain.clock import PARIS
from pipeline.domain.demarches import ILE
from pipeline.domain.lifecycle import REGISTER_ENTRY, Action, IllegalTransition, Outcome, Status
from pipeline.domain.reu import electoral_list, entry_date_error, reu_number_error
from pipeline.store.dossiers import lock_dossier
from pipeline.store.model import Dossier, HistoryEntry, RegisterEntry

#: At most this many dossiers are marked in one go (one page of the list, and some).
MAX_BULK = 200


class Awaiting(NamedTuple):
    """An accepted ILE still to enter in the REU, as the list and its CSV show it."""

    id: str
    reference: str
    citizen_name: str
    data: dict[str, Any]
    submitted_at: datetime
    accepted_at: datetime
    accepted_by: str

    @property
    def electoral_list(self) -> str:
        return electoral_list(self.data)


class EntryRefused(ValueError):
    """The date or the number typed cannot be kept; ``field`` names the form's field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class Marked(NamedTuple):
    """What a marking did: the references entered, and the others with the reason."""

    done: list[str]
    refused: list[tuple[str, str]]


def awaiting_condition(commune_id: int) -> list[Any]:
    """The commune's accepted ILE that wait for their entry in the REU."""
    return [Dossier.commune_id == commune_id, Dossier.demarche == ILE.id,
            Dossier.outcome == Outcome.ACCEPTED.value, Dossier.stage.is_(None),
            Dossier.status.in_((Status.TRANSMITTED.value, Status.RECEIVED.value))]


def count_awaiting(session: Session, commune_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Dossier)
                          .where(*awaiting_condition(commune_id))) or 0


def awaiting_entry(session: Session, commune_id: int) -> Iterator[Awaiting]:
    """Every accepted ILE to enter, accepted longest ago first (with who accepted it, when)."""
    accepted = (select(HistoryEntry.dossier_id, func.max(HistoryEntry.seq).label("seq"))
                .where(HistoryEntry.action == Action.ACCEPTER.value)
                .group_by(HistoryEntry.dossier_id).subquery())
    rows = session.execute(
        select(Dossier.id, Dossier.reference, Dossier.citizen_name, Dossier.data,
               Dossier.submitted_at, HistoryEntry.at, HistoryEntry.actor)
        .join(accepted, accepted.c.dossier_id == Dossier.id)
        .join(HistoryEntry, (HistoryEntry.dossier_id == Dossier.id)
              & (HistoryEntry.seq == accepted.c.seq))
        .where(*awaiting_condition(commune_id))
        .order_by(HistoryEntry.at, Dossier.reference))
    for row in rows:
        yield Awaiting(*row)


def check_entry(entered_on: date | None, reu_number: str, *, count: int, today: date) -> None:
    """EntryRefused when the form cannot be applied to ``count`` dossiers, before any change."""
    if count == 0:
        raise EntryRefused("dossiers", "Cochez au moins un dossier saisi au REU.")
    if count > MAX_BULK:
        raise EntryRefused("dossiers", f"Au plus {MAX_BULK} dossiers à la fois.")
    if reu_number and count > 1:
        raise EntryRefused("numero", "Un numéro REU est propre à un électeur : laissez-le vide "
                                     "pour marquer plusieurs dossiers à la fois.")
    if problem := reu_number_error(reu_number):
        raise EntryRefused("numero", problem)
    if entered_on is None or entered_on > today:
        raise EntryRefused("date", entry_date_error(entered_on, accepted_on=date.min,
                                                    today=today) or "")


def mark_entered(ctx: PipelineContext, commune_id: int, references: list[str],
                 entered_on: date | None, reu_number: str = "", *, actor: str,
                 channel: str) -> Marked:
    """Record each dossier as entered in the REU on ``entered_on`` and start its closure.

    EntryRefused (nothing changed) when the form is wrong for all of them; a dossier that no
    longer waits, or was accepted after ``entered_on``, is refused alone with its reason.
    """
    reu_number = reu_number.strip()
    references = list(dict.fromkeys(references))
    today = ctx.clock.now().astimezone(PARIS).date()
    check_entry(entered_on, reu_number, count=len(references), today=today)
    assert entered_on is not None
    done: list[str] = []
    refused: list[tuple[str, str]] = []
    for reference in references:
        try:
            with ctx.db.transaction() as session:
                _mark_one(session, ctx, commune_id, reference, entered_on, reu_number,
                          actor=actor, channel=channel, today=today)
        except (IllegalTransition, EntryRefused) as error:
            refused.append((reference, str(error)))
        else:
            done.append(reference)
    return Marked(done, refused)


def _mark_one(session: Session, ctx: PipelineContext, commune_id: int, reference: str,
              entered_on: date, reu_number: str, *, actor: str, channel: str,
              today: date) -> None:
    dossier_id = session.scalar(select(Dossier.id).where(
        Dossier.commune_id == commune_id, Dossier.reference == reference))
    if dossier_id is None:
        raise IllegalTransition("dossier introuvable")
    dossier = lock_dossier(session, dossier_id)
    accepted_at = session.scalar(select(func.max(HistoryEntry.at)).where(
        HistoryEntry.dossier_id == dossier.id, HistoryEntry.action == Action.ACCEPTER.value))
    if accepted_at is not None and (problem := entry_date_error(
            entered_on, accepted_on=accepted_at.astimezone(PARIS).date(), today=today)):
        raise EntryRefused("date", problem)
    comment = f"Inscription saisie au répertoire électoral unique le {entered_on:%d/%m/%Y}"
    if reu_number:
        comment += f" (numéro d'électeur {reu_number})"
    dossier.apply(REGISTER_ENTRY, at=ctx.clock.now(), actor=actor, channel=channel,
                  comment=comment + ".", enters_register=True)
    session.add(RegisterEntry(dossier_id=dossier.id, entered_on=entered_on,
                              reu_number=reu_number or None, entered_by=actor,
                              recorded_at=ctx.clock.now()))
