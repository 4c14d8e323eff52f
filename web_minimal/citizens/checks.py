"""Checking a filled form: required fields, the démarche's own rules, the documents chosen."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pipeline.domain.demarches import AttachmentInfo, Election, FieldError, InvalidDossier
from pipeline.domain.demarches import ValidationContext as Rules
from pipeline.domain.demarches.dates import BAD_DATE, parse_date
from pipeline.store.model import CitizenDocument, Commune
from web_minimal.citizens.forms import FilingForm, Piece, build_data

REQUIRED = "Ce champ est obligatoire."
NOT_A_CHOICE = "Choisissez l'une des valeurs proposées."
NO_COMMUNE = "Choisissez la commune à laquelle vous adressez votre demande."
PIECE_REQUIRED = ("Pièce obligatoire : joignez le fichier, ou choisissez-le parmi les documents "
                  "de votre espace confidentiel.")
PIECE_GONE = ("Ce document n'est plus dans votre espace confidentiel : joignez le fichier ou "
              "choisissez-en un autre.")


@dataclass
class Problems:
    """What is wrong with a form: one message per field, and those tied to no field."""

    by_field: dict[str, str] = field(default_factory=dict)
    others: list[str] = field(default_factory=list)

    def add(self, name: str | None, message: str) -> None:
        if name is None:
            self.others.append(message)
        else:
            self.by_field.setdefault(name, message)  # the first problem is the one to fix

    def add_errors(self, errors: list[FieldError], form: FilingForm) -> None:
        for error in errors:
            self.add(form.field_of(error.field), error.message)

    def __bool__(self) -> bool:
        return bool(self.by_field or self.others)

    def summary(self, labels: dict[str, tuple[str, str]]) -> list[tuple[str, str, str]]:
        """(anchor, label, message) for the list atop the form, in the form's order."""
        items = [(labels[name][0], labels[name][1], self.by_field[name])
                 for name in labels if name in self.by_field]
        items += [("", "", message) for message in self.others]
        return items


def check_values(form: FilingForm, values: dict[str, str], problems: Problems, *,
                 enforce_required: bool = True) -> None:
    """Required fields, dates, and choices among those offered."""
    for one in form.fields:
        value = values.get(one.name, "").strip()
        if enforce_required and one.required and not value:
            problems.add(one.name, REQUIRED)
        elif value and one.kind == "date" and parse_date(value) is None:
            problems.add(one.name, BAD_DATE)
        elif value and one.choices and value not in dict(one.choices):
            problems.add(one.name, NOT_A_CHOICE)


def check_filing(form: FilingForm, values: dict[str, str], *, email: str,
                 communes: dict[int, Commune], documents: dict[int, CitizenDocument],
                 elections: tuple[Election, ...], today: date,
                 problems: Problems | None = None) -> tuple[dict[str, Any], Problems]:
    """The normalized data of a filled form, and every problem found in it."""
    problems = problems or Problems()
    commune = communes.get(as_int(values.get("commune")))
    if commune is None:
        problems.add("commune", NO_COMMUNE)
    check_values(form, values, problems)
    data = build_data(form, values, email, elections)
    try:
        data = form.demarche.normalize(data, today=today)
    except InvalidDossier as invalid:
        problems.add_errors(invalid.errors, form)
    chosen: list[AttachmentInfo] = []
    for piece in form.pieces:
        picked = values.get(piece.pick_field, "")
        document = documents.get(as_int(picked))
        if picked and document is None:
            problems.add(piece.pick_field, PIECE_GONE)
        elif document is not None:
            chosen.append(AttachmentInfo(piece.kind, document.filename, document.media_type,
                                         document.size))
    for piece in missing_pieces(form, data, chosen, commune, elections, today):
        problems.add(piece.pick_field, PIECE_REQUIRED)
    return data, problems


def missing_pieces(form: FilingForm, data: dict[str, Any], chosen: list[AttachmentInfo],
                   commune: Commune | None, elections: tuple[Election, ...],
                   today: date) -> list[Piece]:
    """The documents the démarche's own rules would find missing (so no rule is copied here)."""
    rules = Rules(today=today, commune_insee=commune.insee if commune else "",
                  commune_codes=frozenset({commune.insee}) if commune else frozenset(),
                  elections=elections,
                  rco_requires_proof_of_address=bool(commune and
                                                     commune.rco_requires_proof_of_address))

    def missing(infos: list[AttachmentInfo]) -> int:
        return len(form.demarche.validate(data, infos, rules).missing)

    now = missing(chosen)
    given = {info.kind for info in chosen}
    return [piece for piece in form.pieces if piece.kind not in given
            and missing([*chosen, AttachmentInfo(piece.kind, "", "", 0)]) < now]


def required_pieces(form: FilingForm, values: dict[str, str], *, email: str,
                    communes: dict[int, Commune], elections: tuple[Election, ...],
                    today: date) -> set[str]:
    """The kinds of document the form must carry with these values (to mark them)."""
    data = build_data(form, values, email, elections)
    commune = communes.get(as_int(values.get("commune")))
    return {piece.kind for piece in missing_pieces(form, data, [], commune, elections, today)}


def as_int(value: Any) -> int:
    try:
        return int(str(value))
    except ValueError:
        return -1
