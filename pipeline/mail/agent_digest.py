"""The words of the agents' daily digest and of the reminders to enter accepted ILE in the REU."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

from pipeline.mail.wording import letter

TEAM = "L'équipe « Suivi des démarches en ligne »"


class Listed(NamedTuple):
    """A dossier as the digest lists it."""

    reference: str
    demarche: str
    name: str
    url: str


def _section(title: str, rows: Sequence[Listed]) -> str:
    lines = [f"{title} ({len(rows)}) :"]
    lines += [f"- {row.reference} — {row.demarche} — {row.name}\n  {row.url}" for row in rows]
    return "\n".join(lines)


def digest(commune: str, day: date, *, new: Sequence[Listed], completed: Sequence[Listed],
           overdue: Sequence[Listed], to_process: int, to_register: int,
           list_url: str, preferences_url: str) -> tuple[str, str]:
    """The day's digest: what came in, what came back completed, what is late, and counts."""
    subject = (f"Récapitulatif du {day:%d/%m/%Y} — {len(new)} nouveau(x), "
               f"{len(completed)} complété(s), {len(overdue)} en retard")
    parts = [f"Voici le récapitulatif des télédossiers de la mairie de {commune} depuis hier "
             "à la même heure."]
    for title, rows in (("Nouveaux dossiers", new), ("Dossiers complétés par l'usager",
                                                     completed),
                        ("Décisions en retard", overdue)):
        if rows:
            parts.append(_section(title, rows))
    parts.append(f"Télédossiers à traiter : {to_process}\nDemandes acceptées à saisir au REU : "
                 f"{to_register}\n{list_url}")
    parts.append("Pour agir par courriel, répondez aux courriels de chaque dossier (boîte du "
                 "service, ou « un courriel par dossier » dans vos préférences) ; ce "
                 "récapitulatif n'accepte pas de réponse.")
    parts.append(f"Changer vos notifications : {preferences_url}")
    return subject, letter(*parts, TEAM)


def reu_reminder(commune: str, election: str, deadline: date, left: int, count: int,
                 reu_url: str) -> tuple[str, str]:
    """Accepted ILE still to enter in the REU, some days before the registration deadline."""
    when = "aujourd'hui" if left == 0 else ("demain" if left == 1 else f"dans {left} jours")
    subject = f"Rappel : {count} inscription(s) à saisir au REU avant le {deadline:%d/%m/%Y}"
    return subject, letter(
        f"La date limite d'inscription pour le {election} est le {deadline:%d/%m/%Y} "
        f"({when}). {count} demande(s) d'inscription acceptée(s) par la mairie de {commune} "
        "n'ont pas encore été saisies au répertoire électoral unique (REU).",
        f"Saisissez-les avec le logiciel électoral, puis marquez-les « saisi au REU » :\n{reu_url}",
        TEAM)
