"""What needs an agent's attention on a dossier, at a glance: the triage signals.

Unread messages from the citizen, a completion not yet seen, the citizen's address bouncing,
points to check from validation, a possible duplicate, a decision overdue, an acceptance still
to enter in the REU. Read for a page of a list (or one dossier) in a few queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from pipeline.domain.demarches import ILE
from pipeline.domain.demarches.layout import section, text
from pipeline.domain.lifecycle import (
    AGENT_ACTIONS,
    Action,
    Outcome,
    Stage,
    Status,
    awaits_register_entry,
)
from pipeline.ops.search import TO_PROCESS, decision_due, fold, folded, register_sqlite_fold
from pipeline.store.model import Dossier, DossierRead, HistoryEntry, Mail

#: An accepted request this recent still makes a new one of the same person a possible
#: duplicate (a second registration, a second attestation).
DUPLICATE_WINDOW = timedelta(days=365)
#: Still in the commune's hands (or the citizen's): a new request beside it is a duplicate.
OPEN = (Status.SUBMITTED.value, *TO_PROCESS)


@dataclass(frozen=True)
class Signals:
    """One dossier's signals; ``any`` says whether the list shows something."""

    unread_messages: int = 0
    completed: bool = False
    bounced: bool = False
    to_check: int = 0
    duplicates: tuple[str, ...] = ()
    overdue: bool = False
    awaiting_reu: bool = False

    @property
    def any(self) -> bool:
        return bool(self.unread_messages or self.completed or self.bounced or self.to_check
                    or self.duplicates or self.overdue or self.awaiting_reu)


def signals_for(session: Session, commune_id: int, references: list[str],
                today: date, now: datetime) -> dict[str, Signals]:
    """The signals of the commune's dossiers named by ``references``."""
    if not references:
        return {}
    dossiers = session.execute(
        select(Dossier.id, Dossier.reference, Dossier.demarche, Dossier.status, Dossier.stage,
               Dossier.outcome, Dossier.citizen_email, Dossier.citizen_name,
               Dossier.national_number, Dossier.data, Dossier.report, Dossier.submitted_at)
        .where(Dossier.commune_id == commune_id, Dossier.reference.in_(references))).all()
    reading = _reading(session, [d.id for d in dossiers])
    bounced = _bounced(session, commune_id, {d.citizen_email.lower() for d in dossiers})
    twins = _duplicates(session, commune_id, dossiers, now)
    found = {}
    for d in dossiers:
        unread, completed = reading.get(d.id, (0, False))
        open_ = d.status in TO_PROCESS and d.outcome is None
        due = decision_due(d.demarche, d.submitted_at) if open_ else None
        found[d.reference] = Signals(
            unread_messages=unread,
            completed=completed and d.status not in (Status.CLOSED.value, Status.PURGED.value),
            bounced=d.citizen_email.lower() in bounced,
            to_check=len((d.report or {}).get("flags") or []) if open_ else 0,
            duplicates=twins.get(d.id, ()),
            overdue=due is not None and due < today,
            awaiting_reu=awaits_register_entry(
                Status(d.status), Stage(d.stage) if d.stage else None,
                Outcome(d.outcome) if d.outcome else None) and d.demarche == ILE.id)
    return found



def _reading(session: Session, ids: list[str]) -> dict[str, tuple[int, bool]]:
    """Per dossier: the citizen's messages after what was read, and a completion not yet seen
    (after what was read and after the agents' last action)."""
    read = func.coalesce(DossierRead.read_seq, 0)
    citizen = func.lower(HistoryEntry.actor) == func.lower(Dossier.citizen_email)
    rows = session.execute(
        select(HistoryEntry.dossier_id,
               func.sum(case((and_(HistoryEntry.action == Action.MESSAGE.value, citizen,
                                   HistoryEntry.seq > read), 1), else_=0)),
               func.max(case((HistoryEntry.action == Action.COMPLETE.value, HistoryEntry.seq),
                             else_=0)),
               func.max(case((HistoryEntry.action.in_([a.value for a in AGENT_ACTIONS]),
                              HistoryEntry.seq), else_=0)),
               func.max(read))
        .join(Dossier, Dossier.id == HistoryEntry.dossier_id)
        .outerjoin(DossierRead, DossierRead.dossier_id == HistoryEntry.dossier_id)
        .where(HistoryEntry.dossier_id.in_(ids))
        .group_by(HistoryEntry.dossier_id))
    return {dossier_id: (int(unread or 0), bool(completed) and completed > max(acted, seen))
            for dossier_id, unread, completed, acted, seen in rows}


def _bounced(session: Session, commune_id: int, addresses: set[str]) -> set[str]:
    if not addresses:
        return set()
    return {address.lower() for address in session.scalars(
        select(Mail.recipient).where(Mail.commune_id == commune_id, Mail.status == "bounced",
                                     func.lower(Mail.recipient).in_(addresses)).distinct())}


def _duplicates(session: Session, commune_id: int, dossiers: list[Any],
                now: datetime) -> dict[str, tuple[str, ...]]:
    """Other open (or recently accepted) dossiers of the same démarche in the commune with the
    same national number, or the same person: names (case and accents aside) and birth date."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        register_sqlite_fold(session)
    names = {fold(d.citizen_name) for d in dossiers if d.citizen_name}
    numbers = {d.national_number for d in dossiers if d.national_number}
    matches = []
    if names:
        matches.append(folded(Dossier.citizen_name, dialect).in_(names))
    if numbers:
        matches.append(Dossier.national_number.in_(numbers))
    if not matches:
        return {}
    candidates = session.execute(
        select(Dossier.id, Dossier.reference, Dossier.demarche, Dossier.citizen_name,
               Dossier.national_number, Dossier.data)
        .where(Dossier.commune_id == commune_id,
               Dossier.demarche.in_({d.demarche for d in dossiers}), or_(*matches),
               or_(Dossier.status.in_(OPEN),
                   and_(Dossier.outcome == Outcome.ACCEPTED.value,
                        or_(Dossier.closed_at.is_(None),
                            Dossier.closed_at >= now - DUPLICATE_WINDOW))))
        .order_by(Dossier.submitted_at)).all()
    found: dict[str, tuple[str, ...]] = {}
    for d in dossiers:
        twins = tuple(c.reference for c in candidates if c.id != d.id and c.demarche == d.demarche
                      and _same(d, c))
        if twins:
            found[d.id] = twins
    return found


def _same(one: Any, other: Any) -> bool:
    if one.national_number and one.national_number == other.national_number:
        return True
    born = _birth(one.data)
    return bool(born) and fold(one.citizen_name) == fold(other.citizen_name) \
        and born == _birth(other.data)


def _birth(data: dict[str, Any] | None) -> str | None:
    return text(section(data or {}, "Personne"), "DateNaissance")


def unread_entries(session: Session, dossier: Dossier) -> list[HistoryEntry]:
    """The citizen's messages and completions the agents have not marked read, oldest first."""
    read = session.scalar(select(DossierRead.read_seq).where(
        DossierRead.dossier_id == dossier.id)) or 0
    return list(session.scalars(
        select(HistoryEntry).where(
            HistoryEntry.dossier_id == dossier.id, HistoryEntry.seq > read,
            or_(HistoryEntry.action == Action.COMPLETE.value,
                and_(HistoryEntry.action == Action.MESSAGE.value,
                     func.lower(HistoryEntry.actor) == dossier.citizen_email.lower())))
        .order_by(HistoryEntry.seq)))
