"""Lists of dossiers taken out of Télédossier: the agents' list as it is filtered, the ILE
decisions of a period for the commission de contrôle, the RCO recensés of a period, and the
accepted ILE to enter in the REU.

Rows are read a chunk at a time, each chunk in a short transaction of its own and found by the
last row's key (keyset): an export of any size holds one chunk in memory, and never holds a
database lock for long (SQLite has one writer at a time, the pipeline's included).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import aliased

from pipeline.commands.reu import awaiting_entry
from pipeline.context import PipelineContext
from pipeline.documents.spreadsheets import Column, Kind
from pipeline.domain.demarches import DEMARCHES, ILE, RCO
from pipeline.domain.demarches.dates import parse_date
from pipeline.domain.demarches.layout import as_list, section, text
from pipeline.domain.lifecycle import STATUS_LABELS, Action, Outcome, Status
from pipeline.domain.reu import electoral_list
from pipeline.ops.search import DossierQuery, paris_midnight, query_conditions, register_sqlite_fold
from pipeline.store.model import Dossier, HistoryEntry, RegisterEntry

#: Rows read per transaction.
CHUNK = 1000
OUTCOME_LABELS = {Outcome.ACCEPTED.value: "Demande acceptée",
                  Outcome.REFUSED.value: "Demande refusée"}
SEXES = {"1": "Masculin", "2": "Féminin"}
PERSON = (Column("Nom de famille", width=20), Column("Nom d'usage", width=16),
          Column("Prénoms", width=22))
BIRTH = (Column("Date de naissance", Kind.DAY, 12), Column("Lieu de naissance", width=22))
ADDRESS = (Column("Adresse", width=34), Column("Code postal", width=9),
           Column("Commune", width=20))


@dataclass(frozen=True)
class Export:
    """A table to write: its columns, its rows (read when iterated), its file's name stem."""

    columns: Sequence[Column]
    rows: Callable[[], Iterator[Sequence[Any]]]
    name: str


# --- What a row says of a person --------------------------------------------------------------


def _person(data: dict[str, Any]) -> dict[str, Any]:
    return section(data or {}, "Personne")


def names(data: dict[str, Any]) -> list[str]:
    person = _person(data)
    first = ", ".join(n for n in (text(person, "PrenomUsuel"), text(person, "Prenom")) if n)
    return [text(person, "NomFamille") or "", text(person, "NomUsage") or "", first]


def birth(data: dict[str, Any]) -> list[Any]:
    person = _person(data)
    places = [text(lieu, "Nom") for lieu in as_list(person.get("LieuNaissance"))
              if isinstance(lieu, dict) and text(lieu, "Nom")]
    country = text(person, "PaysNaissance")
    place = ", ".join(p for p in places if p)
    if country and country.upper() != "FRA":
        place = f"{place} ({country})" if place else country
    return [parse_date(text(person, "DateNaissance")), place]


def address(data: dict[str, Any]) -> list[str]:
    home = section(_person(data), "AdresseDomicile")
    street = " ".join(p for p in (text(home, part) for part in
                                  ("NumeroVoie", "Extension", "TypeVoie", "NomVoie")) if p)
    lines = [p for p in (text(home, "PointDeRemise"), text(home, "Complement"), street,
                         text(home, "LieuDit")) if p]
    return [", ".join(lines), text(home, "CodePostal") or "", text(home, "Localite") or ""]


def _demarche_label(demarche: str) -> str:
    found = DEMARCHES.get(demarche)
    return found.short if found else demarche


def _status_label(status: str) -> str:
    try:
        return STATUS_LABELS[Status(status)]
    except ValueError:
        return status


# --- Reading in chunks ------------------------------------------------------------------------


def _keyset(ctx: PipelineContext, keys: Select[Any], details: Callable[[list[Any]], Select[Any]],
            fold: bool = False) -> Iterator[Any]:
    """Every row ``keys`` selects, in its order, with ``details`` of a chunk of them; one
    chunk per transaction.

    ``keys`` selects ``sort_at`` and ``sort_key`` (a dossier's id) only, ordered by them: the
    database finds a chunk's keys without computing anything else for the rows it sorts, and
    ``details`` reads the chunk's columns (its history's dates and motives) for those ids.
    """
    at, key = keys.selected_columns.sort_at, keys.selected_columns.sort_key
    last: tuple[Any, Any] | None = None
    while True:
        chunk = keys.order_by(at, key).limit(CHUNK)
        if last is not None:
            chunk = chunk.where(or_(at > last[0], and_(at == last[0], key > last[1])))
        with ctx.db.transaction() as session:
            if fold and session.get_bind().dialect.name == "sqlite":
                register_sqlite_fold(session)
            found = session.execute(chunk).all()
            ids = [row.sort_key for row in found]
            rows = {row.sort_key: row for row in session.execute(details(ids))} if ids else {}
        yield from (rows[row.sort_key] for row in found if row.sort_key in rows)
        if len(found) < CHUNK:
            return
        last = (found[-1].sort_at, found[-1].sort_key)


def _period(column: Any, since: date | None, until: date | None) -> list[Any]:
    found = []
    if since is not None:
        found.append(column >= paris_midnight(since))
    if until is not None:
        found.append(column < paris_midnight(until + timedelta(days=1)))
    return found


# --- The agents' list -------------------------------------------------------------------------

DOSSIER_COLUMNS = (
    Column("Référence", width=14), Column("Numéro national", width=16),
    Column("Démarche", width=9), Column("Déposé le", Kind.INSTANT, 16),
    Column("Reçu le", Kind.INSTANT, 16), Column("Clos le", Kind.INSTANT, 16),
    Column("État", width=28), Column("Décision", width=16), Column("Motif", width=40),
    *PERSON, *BIRTH, *ADDRESS, Column("Liste électorale", width=24),
    Column("Saisi au REU le", Kind.DAY, 12))


def dossier_export(ctx: PipelineContext, query: DossierQuery) -> Export:
    """The dossiers of the list as filtered and searched (every page), oldest filed first."""
    history = aliased(HistoryEntry)
    received = (select(func.min(history.at))
                .where(history.dossier_id == Dossier.id, history.action == Action.RECU.value)
                .scalar_subquery())
    refusal = (select(history.comment)
               .where(history.dossier_id == Dossier.id, history.action == Action.REFUSER.value)
               .order_by(history.seq.desc()).limit(1).scalar_subquery())
    dialect = ctx.db.engine.dialect.name
    keys = (select(Dossier.submitted_at.label("sort_at"), Dossier.id.label("sort_key"))
            .where(*query_conditions(query, dialect)))

    def details(ids: list[str]) -> Select[Any]:
        return (select(Dossier.reference, Dossier.national_number, Dossier.demarche,
                       Dossier.submitted_at, received.label("received_at"), Dossier.closed_at,
                       Dossier.status, Dossier.outcome, refusal.label("motive"), Dossier.data,
                       RegisterEntry.entered_on, Dossier.id.label("sort_key"))
                .outerjoin(RegisterEntry, RegisterEntry.dossier_id == Dossier.id)
                .where(Dossier.id.in_(ids)))

    def rows() -> Iterator[Sequence[Any]]:
        for d in _keyset(ctx, keys, details, fold=bool(query.name.strip())):
            yield [d.reference, d.national_number, _demarche_label(d.demarche), d.submitted_at,
                   d.received_at, d.closed_at, _status_label(d.status),
                   OUTCOME_LABELS.get(d.outcome or "", ""), d.motive or "", *names(d.data),
                   *birth(d.data), *address(d.data),
                   electoral_list(d.data) if d.demarche == ILE.id else "", d.entered_on]

    return Export(DOSSIER_COLUMNS, rows, "dossiers")


# --- The two ready-made exports ---------------------------------------------------------------

COMMISSION_COLUMNS = (
    Column("Référence", width=14), *PERSON, *BIRTH, Column("Nationalité", width=11), *ADDRESS,
    Column("Liste électorale", width=24), Column("Décision", width=16),
    Column("Décidée le", Kind.INSTANT, 16), Column("Décidée par", width=24),
    Column("Motif du refus", width=50), Column("Saisi au REU le", Kind.DAY, 12))


def commission_export(ctx: PipelineContext, commune_id: int, since: date | None,
                      until: date | None) -> Export:
    """The mayor's ILE decisions (acceptances and refusals) of a period, for the commission de
    contrôle, which reviews them before each election (Code électoral, L19)."""
    decision = aliased(HistoryEntry)
    decided = (Dossier.commune_id == commune_id, Dossier.demarche == ILE.id,
               decision.action.in_((Action.ACCEPTER.value, Action.REFUSER.value)),
               *_period(decision.at, since, until))
    keys = (select(decision.at.label("sort_at"), Dossier.id.label("sort_key"))
            .join(decision, decision.dossier_id == Dossier.id).where(*decided))

    def details(ids: list[str]) -> Select[Any]:
        return (select(Dossier.reference, Dossier.data, Dossier.outcome, decision.at,
                       decision.actor, decision.comment, decision.action,
                       RegisterEntry.entered_on, Dossier.id.label("sort_key"))
                .join(decision, decision.dossier_id == Dossier.id)
                .outerjoin(RegisterEntry, RegisterEntry.dossier_id == Dossier.id)
                .where(Dossier.id.in_(ids), *decided))

    def rows() -> Iterator[Sequence[Any]]:
        for d in _keyset(ctx, keys, details):
            refused = d.action == Action.REFUSER.value
            nationality = text(_person(d.data), "Nationalite") or ""
            yield [d.reference, *names(d.data), *birth(d.data), nationality, *address(d.data),
                   electoral_list(d.data), "Inscription refusée" if refused
                   else "Inscription acceptée", d.at, d.actor, d.comment if refused else "",
                   d.entered_on]

    return Export(COMMISSION_COLUMNS, rows, "decisions-ile-commission-de-controle")


CENSUS_COLUMNS = (
    Column("Référence", width=14), Column("Numéro national", width=16), *PERSON,
    Column("Sexe", width=9), *BIRTH, *ADDRESS, Column("Recensé le", Kind.INSTANT, 16),
    Column("Déposé le", Kind.INSTANT, 16))


def census_export(ctx: PipelineContext, commune_id: int, since: date | None,
                  until: date | None) -> Export:
    """The young people recensés (RCO accepted) in a period, by the day of the acceptance."""
    accepted = aliased(HistoryEntry)
    census = (Dossier.commune_id == commune_id, Dossier.demarche == RCO.id,
              accepted.action == Action.ACCEPTER.value, *_period(accepted.at, since, until))
    keys = (select(accepted.at.label("sort_at"), Dossier.id.label("sort_key"))
            .join(accepted, accepted.dossier_id == Dossier.id).where(*census))

    def details(ids: list[str]) -> Select[Any]:
        return (select(Dossier.reference, Dossier.national_number, Dossier.data, accepted.at,
                       Dossier.submitted_at, Dossier.id.label("sort_key"))
                .join(accepted, accepted.dossier_id == Dossier.id)
                .where(Dossier.id.in_(ids), *census))

    def rows() -> Iterator[Sequence[Any]]:
        for d in _keyset(ctx, keys, details):
            sex = SEXES.get(text(_person(d.data), "Sexe") or "", "")
            yield [d.reference, d.national_number, *names(d.data), sex, *birth(d.data),
                   *address(d.data), d.at, d.submitted_at]

    return Export(CENSUS_COLUMNS, rows, "recenses")


# --- For the election software ----------------------------------------------------------------

REU_COLUMNS = (
    Column("Référence", width=14), *PERSON, Column("Sexe", width=9), *BIRTH,
    Column("Nationalité", width=11), *ADDRESS, Column("Code INSEE du domicile", width=10),
    Column("Liste électorale", width=24), Column("Acceptée le", Kind.INSTANT, 16),
    Column("Adresse courriel", width=28))


def reu_export(ctx: PipelineContext, commune_id: int) -> Export:
    """The accepted ILE still to enter in the REU, as the list « À saisir au REU » shows them."""
    def rows() -> Iterator[Sequence[Any]]:
        with ctx.db.transaction() as session:
            # One commune's requests awaiting entry: a few hundred before an election at most.
            awaiting = list(awaiting_entry(session, commune_id))
            emails = dict(session.execute(select(Dossier.id, Dossier.citizen_email).where(
                Dossier.id.in_([a.id for a in awaiting]))).all()) if awaiting else {}
        for a in awaiting:
            person = _person(a.data)
            home = section(person, "AdresseDomicile")
            yield [a.reference, *names(a.data), SEXES.get(text(person, "Sexe") or "", ""),
                   *birth(a.data), text(person, "Nationalite") or "", *address(a.data),
                   text(home, "CodeINSEE") or "", a.electoral_list, a.accepted_at,
                   emails.get(a.id, "")]

    return Export(REU_COLUMNS, rows, "a-saisir-au-reu")
