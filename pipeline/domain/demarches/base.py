"""What every démarche offers, and the values its rules take and return."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol


@dataclass(frozen=True)
class FieldError:
    """One wrong field of a submission, for the person who sent it (in French)."""

    field: str  # dotted path in the data, e.g. "Personne.DateNaissance"
    message: str


class FieldErrors(Exception):
    """What was sent cannot be used; ``errors`` says which fields and why."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


class InvalidDossier(FieldErrors):
    """The submission cannot be taken in; nothing is stored. ``errors`` says what to fix."""


@dataclass(frozen=True)
class Flag:
    """Something the agent must look at; validation never refuses alone."""

    code: str  # e.g. "age_hors_delai", "commune_non_competente"
    message: str  # French, for the agent


@dataclass(frozen=True)
class ValidationReport:
    """What validation found: missing items (→ incomplete) and flags for the agent."""

    missing: list[str] = field(default_factory=list)  # French reasons, for the citizen
    flags: list[Flag] = field(default_factory=list)
    refusal_motive: str | None = None  # prepared for the agent, applied by one action
    late: bool = False  # RCO régularisation, ILE late exception, ...

    @property
    def complete(self) -> bool:
        return not self.missing

    def as_json(self) -> dict[str, Any]:
        return {
            "missing": list(self.missing),
            "flags": [{"code": f.code, "message": f.message} for f in self.flags],
            "refusal_motive": self.refusal_motive,
            "late": self.late,
        }


@dataclass(frozen=True)
class AttachmentInfo:
    kind: str
    filename: str
    media_type: str
    size: int


@dataclass(frozen=True)
class Election:
    """An election as data: the first round's date and its type."""

    first_round: date
    type: str  # "municipales", "europeennes", "presidentielle", "legislatives", ...
    label: str = ""
    #: Override of the online deadline (default: the 6th Wednesday before the first round).
    online_deadline: date | None = None


@dataclass(frozen=True)
class ValidationContext:
    today: date  # in Europe/Paris
    commune_insee: str
    #: The commune's code and every alias (former codes, arrondissements) routed to it.
    commune_codes: frozenset[str]
    elections: tuple[Election, ...] = ()
    rco_requires_proof_of_address: bool = False


class Demarche(Protocol):
    id: str  # national identifier, e.g. "RecensementCitoyen"
    short: str  # "RCO" / "ILE"
    title: str  # shown to agents ("Intitulé")
    attachment_kinds: frozenset[str]
    issues_attestation: bool
    #: An accepted request is still to be entered in a national register (ILE: the REU).
    enters_register: bool

    def normalize(self, data: dict[str, Any], *, today: date | None = None) -> dict[str, Any]:
        """Return the canonical form of submitted data; raise InvalidDossier when unusable.

        ``today`` (in Paris) judges dates such as a birth date in the future.
        """
        ...

    def citizen_email(self, data: dict[str, Any]) -> str: ...

    def citizen_name(self, data: dict[str, Any]) -> str: ...

    def domicile_insee(self, data: dict[str, Any]) -> str | None: ...

    def validate(
        self, data: dict[str, Any], attachments: list[AttachmentInfo], ctx: ValidationContext
    ) -> ValidationReport:
        """Apply the rules of domain.md; never raises for a citizen's mistake."""
        ...
