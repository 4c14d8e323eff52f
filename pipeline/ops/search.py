"""Find a commune's dossiers a page at a time: the to-do list, the archives and the search."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from pipeline.domain.clock import PARIS
from pipeline.domain.lifecycle import Status
from pipeline.domain.references import normalize_reference
from pipeline.store.model import Dossier

#: Rows on one page of a list.
PER_PAGE = 25
ILE = "InscriptionListesElectorales"
#: The mayor decides on an ILE request within this many days of filing (Code électoral, L18).
ILE_DECISION_DAYS = 5
#: States in which the commune still has something to do (or waits for the citizen's answer).
TO_PROCESS = (Status.TRANSMITTED.value, Status.RECEIVED.value, Status.INCOMPLETE.value)
#: Closed dossiers stay here until purged, and their anonymous trace after.
ARCHIVED = (Status.CLOSED.value, Status.PURGED.value)
#: Accented letters people leave out when they type a name: folded the same way in SQL and in
#: Python, so the search needs no extension and behaves alike on SQLite and PostgreSQL.
ACCENTS = {
    **dict.fromkeys("àâäáãå", "a"), **dict.fromkeys("ÀÂÄÁÃÅ", "a"), "ç": "c", "Ç": "c",
    **dict.fromkeys("éèêë", "e"), **dict.fromkeys("ÉÈÊË", "e"),
    **dict.fromkeys("îïíì", "i"), **dict.fromkeys("ÎÏÍÌ", "i"), "ñ": "n", "Ñ": "n",
    **dict.fromkeys("ôöóòõ", "o"), **dict.fromkeys("ÔÖÓÒÕ", "o"),
    **dict.fromkeys("ûüúù", "u"), **dict.fromkeys("ÛÜÚÙ", "u"), "ÿ": "y", "Ÿ": "y",
    "œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae",
}


class Scope(StrEnum):
    """Which dossiers a list shows."""

    TO_PROCESS = "a_traiter"
    ARCHIVES = "archives"
    ALL = "tous"


class SortKey(StrEnum):
    DEMARCHE = "demarche"
    DATE = "date"


@dataclass(frozen=True)
class DossierQuery:
    """What to list: the commune's dossiers of a scope, filtered, sorted, one page of them."""

    commune_id: int
    scope: Scope = Scope.TO_PROCESS
    #: A reference (typed loosely) or a national number, or a part of one.
    number: str = ""
    #: Words of the citizen's name, in any order, case and accents aside.
    name: str = ""
    #: A part of the citizen's e-mail address.
    email: str = ""
    #: One démarche's dossiers only (its identifier); empty: both.
    demarche: str = ""
    #: Filing days, inclusive, in Paris.
    since: date | None = None
    until: date | None = None
    sort: SortKey = SortKey.DEMARCHE
    descending: bool = False
    page: int = 1
    per_page: int = PER_PAGE


@dataclass(frozen=True)
class DossierRow:
    """One dossier as a list shows it."""

    reference: str
    national_number: str | None
    demarche: str
    citizen_name: str
    citizen_email: str
    status: str
    outcome: str | None
    stage: str | None
    submitted_at: datetime
    closed_at: datetime | None
    #: ILE only: the day the decision is due, while no decision is taken.
    due: date | None
    overdue: bool


@dataclass(frozen=True)
class DossierPage:
    """A page of a list, and where it stands in the whole."""

    rows: list[DossierRow]
    total: int
    page: int
    pages: int
    per_page: int

    @property
    def first(self) -> int:
        """Position (from 1) of the page's first row in the whole list; 0 when empty."""
        return (self.page - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return (self.page - 1) * self.per_page + len(self.rows)


def decision_due(demarche: str, submitted_at: datetime) -> date | None:
    """The day an ILE decision is due (5 days after filing, in Paris); None for other démarches."""
    if demarche != ILE:
        return None
    return submitted_at.astimezone(PARIS).date() + timedelta(days=ILE_DECISION_DAYS)


def search_dossiers(session: Session, query: DossierQuery, today: date) -> DossierPage:
    """One page of the commune's dossiers matching ``query``; overdue ILE requests first."""
    if session.get_bind().dialect.name == "sqlite" and query.name.strip():
        register_sqlite_fold(session)
    conditions = query_conditions(query, session.get_bind().dialect.name)
    total = session.scalar(select(func.count()).select_from(Dossier).where(*conditions)) or 0
    pages = max(1, -(-total // query.per_page))
    page = min(max(query.page, 1), pages)
    overdue = _overdue(today)
    statement: Select[Any] = (
        select(Dossier.reference, Dossier.national_number, Dossier.demarche,
               Dossier.citizen_name, Dossier.citizen_email, Dossier.status, Dossier.outcome,
               Dossier.stage, Dossier.submitted_at, Dossier.closed_at,
               case((overdue, 1), else_=0).label("overdue"))
        .where(*conditions)
        .order_by(*_order(query, overdue))
        .limit(query.per_page).offset((page - 1) * query.per_page))
    rows = [_row(found) for found in session.execute(statement)]
    return DossierPage(rows=rows, total=total, page=page, pages=pages, per_page=query.per_page)


def _row(found: Any) -> DossierRow:
    open_ = found.status not in ARCHIVED and found.outcome is None
    due = decision_due(found.demarche, found.submitted_at) if open_ else None
    return DossierRow(
        reference=found.reference, national_number=found.national_number,
        demarche=found.demarche, citizen_name=found.citizen_name,
        citizen_email=found.citizen_email, status=found.status, outcome=found.outcome,
        stage=found.stage, submitted_at=found.submitted_at, closed_at=found.closed_at,
        due=due, overdue=bool(found.overdue))


def _overdue(today: date) -> ColumnElement[bool]:
    """Open ILE requests filed before the first day whose decision is still in time."""
    cutoff = paris_midnight(today - timedelta(days=ILE_DECISION_DAYS))
    return and_(Dossier.demarche == ILE, Dossier.outcome.is_(None),
                Dossier.status.in_(TO_PROCESS), Dossier.submitted_at < cutoff)


def _order(query: DossierQuery, overdue: ColumnElement[bool]) -> list[Any]:
    date_order = Dossier.submitted_at.desc() if query.descending and \
        query.sort is SortKey.DATE else Dossier.submitted_at.asc()
    keys: list[Any] = [case((overdue, 0), else_=1)]
    if query.sort is SortKey.DEMARCHE:
        keys.append(Dossier.demarche.desc() if query.descending else Dossier.demarche.asc())
    keys += [date_order, Dossier.reference]
    return keys


def query_conditions(query: DossierQuery, dialect: str) -> list[ColumnElement[bool]]:
    """The commune's dossiers ``query`` selects (its page and order aside)."""
    conditions: list[ColumnElement[bool]] = [Dossier.commune_id == query.commune_id]
    if query.scope is Scope.TO_PROCESS:
        conditions.append(Dossier.status.in_(TO_PROCESS))
    elif query.scope is Scope.ARCHIVES:
        conditions.append(Dossier.status.in_(ARCHIVED))
    if query.demarche:
        conditions.append(Dossier.demarche == query.demarche)
    if query.number.strip():
        conditions.append(_number_matches(query.number))
    for word in fold(query.name).split():
        conditions.append(folded(Dossier.citizen_name, dialect).contains(word, autoescape=True))
    if query.email.strip():
        conditions.append(func.lower(Dossier.citizen_email).contains(
            query.email.strip().lower(), autoescape=True))
    if query.since is not None:
        conditions.append(Dossier.submitted_at >= paris_midnight(query.since))
    if query.until is not None:
        conditions.append(Dossier.submitted_at < paris_midnight(query.until + timedelta(days=1)))
    return conditions


def _number_matches(number: str) -> ColumnElement[bool]:
    """A whole reference (typed loosely), or a part of a reference or of a national number."""
    typed = number.strip().upper().replace(" ", "")
    canonical = normalize_reference(typed)
    if canonical is not None:
        return Dossier.reference == canonical
    return or_(Dossier.reference.contains(typed, autoescape=True),
               func.upper(Dossier.national_number).contains(typed, autoescape=True))


def fold(text: str) -> str:
    """Lower case without the usual accents, as ``folded`` does in SQL."""
    return "".join(ACCENTS.get(char, char) for char in text).lower()


def folded(column: Any, dialect: str) -> Any:
    """``fold`` in SQL: a function of this connection on SQLite, ``translate`` on PostgreSQL."""
    if dialect == "sqlite":
        return func.td_fold(column)
    single = {accented: plain for accented, plain in ACCENTS.items() if len(plain) == 1}
    expression = func.translate(column, "".join(single), "".join(single.values()))
    for accented, plain in ACCENTS.items():
        if len(plain) > 1:
            expression = func.replace(expression, accented, plain)
    return func.lower(expression)


def register_sqlite_fold(session: Session) -> None:
    # SQLite's lower() knows only ASCII, and nesting one replace() per accent overflows its
    # parser: the connection gets ``fold`` itself (registering again is cheap and harmless).
    connection = session.connection().connection.driver_connection
    connection.create_function("td_fold", 1, _fold_or_none, deterministic=True)


def _fold_or_none(text: str | None) -> str | None:
    return None if text is None else fold(text)


def paris_midnight(day: date) -> datetime:
    """The instant (UTC) a Paris calendar day begins."""
    return datetime.combine(day, time(0), tzinfo=PARIS).astimezone(UTC)
