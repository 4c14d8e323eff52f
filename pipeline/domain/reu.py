"""The step after an accepted ILE: entering the elector in the répertoire électoral unique (REU).

Requests filed with Télédossier reach the REU only through the mairie's election software: an
agent enters each accepted one there, then says so here (the date, and the elector's REU number
when the software gave one), which closes the dossier. Plain data and functions, no I/O.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pipeline.domain.demarches import Election
from pipeline.domain.demarches.common import fold
from pipeline.domain.demarches.ile import EU_MEMBER_STATES, online_deadline
from pipeline.domain.demarches.layout import section, text

#: The lists an elector is registered on (Code électoral, L.O. 227-1 and loi 77-729).
GENERAL = "liste générale"
COMPLEMENTARY_MUNICIPAL = "liste complémentaire municipale"
COMPLEMENTARY_EUROPEAN = "liste complémentaire européenne"
COMPLEMENTARY_BOTH = "listes complémentaires municipale et européenne"
#: Days before an election's registration deadline when the agents are reminded of the
#: accepted requests still to enter in the REU (and on the day itself).
REMINDER_DAYS = (14, 7, 3, 1, 0)
#: An elector's number in the REU, as the election software shows it.
REU_NUMBER = re.compile(r"^[0-9A-Za-z][0-9A-Za-z .\-/]{0,39}$")


def electoral_list(data: dict[str, Any]) -> str:
    """The list an accepted request registers the elector on, from nationality and election."""
    nationality = (text(section(data, "Personne"), "Nationalite") or "FRA").upper()
    if nationality == "FRA" or nationality not in EU_MEMBER_STATES:
        return GENERAL
    kind = fold(text(section(data, "Election"), "Type") or "")
    if kind == "municipales":
        return COMPLEMENTARY_MUNICIPAL
    if kind == "europeennes":
        return COMPLEMENTARY_EUROPEAN
    return COMPLEMENTARY_BOTH


def reu_number_error(number: str) -> str | None:
    """Why a typed REU number cannot be kept, in French; None when it can (or is empty)."""
    if not number:
        return None
    if not REU_NUMBER.match(number):
        return ("Le numéro REU compte au plus 40 caractères : lettres, chiffres, espaces, "
                "points, tirets ou barres obliques.")
    return None


def entry_date_error(entered_on: date | None, *, accepted_on: date, today: date) -> str | None:
    """Why the day given for the entry in the REU is wrong, in French; None when it is right."""
    if entered_on is None:
        return "Indiquez la date de saisie au REU (jj/mm/aaaa)."
    if entered_on > today:
        return "La date de saisie au REU ne peut pas être dans le futur."
    if entered_on < accepted_on:
        return "La date de saisie au REU précède l'acceptation de la demande."
    return None


def next_deadline(elections: tuple[Election, ...], today: date) -> tuple[Election, date] | None:
    """The next election whose registration deadline is today or later, with that deadline."""
    upcoming = sorted((online_deadline(e), e.first_round, e) for e in elections
                      if online_deadline(e) >= today)
    if not upcoming:
        return None
    deadline, _, election = upcoming[0]
    return election, deadline


def reminder_due(elections: tuple[Election, ...], today: date) -> tuple[Election, date, int] | None:
    """(election, deadline, days left) when today is a reminder day of the next deadline."""
    found = next_deadline(elections, today)
    if found is None:
        return None
    election, deadline = found
    left = (deadline - today).days
    return (election, deadline, left) if left in REMINDER_DAYS else None
