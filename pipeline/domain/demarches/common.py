"""What both démarches do alike: the Personne's checks, its e-mail, the shared rules."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any, ClassVar

from pipeline.domain.clock import SystemClock, paris_today
from pipeline.domain.demarches import limits
from pipeline.domain.demarches.base import (
    AttachmentInfo,
    FieldError,
    Flag,
    InvalidDossier,
    ValidationContext,
)
from pipeline.domain.demarches.dates import (
    BAD_DATE,
    format_date,
    implausible_birth,
    parse_date,
)
from pipeline.domain.demarches.layout import as_list, canonical, section, text

#: INSEE commune code: 5 digits, or 2A/2B (Corsica) and 3 digits.
INSEE_PATTERN = re.compile(r"^(?:\d{2}|2[AB])\d{3}$")
POSTCODE_PATTERN = re.compile(r"^\d{5}$")
EMAIL_PATTERN = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)

#: French wording of each attachment kind, for the citizen.
ATTACHMENT_LABELS = {
    "justificatif_identite": (
        "un justificatif d'identité et de nationalité (carte nationale d'identité, passeport, "
        "certificat de nationalité ou décret de naturalisation)"
    ),
    "livret_famille": "la copie du livret de famille",
    "justificatif_domicile": "un justificatif de domicile",
    "carte_invalidite": "la carte d'invalidité",
    "declaration_ue": (
        "la déclaration écrite des ressortissants de l'Union européenne (nationalité, adresse, "
        "absence de privation du droit de vote dans l'État d'origine)"
    ),
}


# Messages for the person who sent an unusable dossier.
BAD_SEX = "Le sexe doit valoir 1 (masculin) ou 2 (féminin)."
BAD_CIVILITY = "La civilité doit valoir M ou MME."
BAD_POSTCODE = "Le code postal doit compter 5 chiffres."
BAD_INSEE = "Le code INSEE de la commune doit compter 5 caractères (chiffres, ou 2A/2B en Corse)."
BAD_EMAIL = "L'adresse électronique indiquée n'est pas valide."
NO_EMAIL = "Une adresse électronique valide est nécessaire pour suivre la demande."
INCOMPLETE_ADDRESS = (
    "L'adresse du domicile est incomplète : le code postal et la commune sont nécessaires."
)


class PersonDemarche:
    """A démarche about one Personne: reading its layout and finding the citizen in it."""

    #: The parts of the démarche's data and their shape (see ``layout``), read by ``normalize``.
    data_layout: ClassVar[dict[str, Any]]

    def normalize(self, data: dict[str, Any], *, today: date | None = None) -> dict[str, Any]:
        """Return the canonical form of submitted data; raise InvalidDossier when unusable."""
        out, errors = normalize_layout(data, self.data_layout, today or paris_today(SystemClock()))
        self.normalize_own_parts(out, errors)
        if errors:
            raise InvalidDossier(errors)
        return out

    def normalize_own_parts(self, out: dict[str, Any], errors: list[FieldError]) -> None:
        """Canonicalise in place the parts only this démarche has; none by default."""

    def citizen_email(self, data: dict[str, Any]) -> str:
        """Return the citizen's e-mail address; raise InvalidDossier when there is none."""
        address = find_email(section(data, "Personne"))
        if address is None:
            raise InvalidDossier([FieldError("Personne.MethodeContact", NO_EMAIL)])
        return address

    def citizen_name(self, data: dict[str, Any]) -> str:
        """Return "PrenomUsuel NomFamille", leaving out whichever is absent."""
        personne = section(data, "Personne")
        names = (text(personne, "PrenomUsuel"), text(personne, "NomFamille"))
        return " ".join(name for name in names if name)

    def domicile_insee(self, data: dict[str, Any]) -> str | None:
        return domicile_code(section(data, "Personne"))


# --- Person checks shared by both layouts -------------------------------------------------


def normalize_layout(
    data: Any, layout: dict[str, Any], today: date
) -> tuple[dict[str, Any], list[FieldError]]:
    """Return the canonical form of ``data`` and the errors found in the common parts."""
    if not isinstance(data, dict):
        message = "Les données du dossier doivent former un objet (rubriques nommées)."
        return {}, [FieldError("dossier", message)]
    errors = limits.shape_errors(data)
    if errors:
        return {}, errors  # too deep or too big to be read further
    out = canonical(data, layout, "", errors) or {}
    if isinstance(out.get("Personne"), dict):
        normalize_person(out["Personne"], "Personne", errors, today)
    for key in ("FiliationPere", "FiliationMere"):
        if isinstance(out.get(key), dict):
            check_parent_birth_date(out[key], key, errors, today)
    check_email(section(out, "Personne"), "Personne", errors)
    return out, errors


def normalize_person(
    personne: dict[str, Any], path: str, errors: list[FieldError], today: date
) -> None:
    """Canonicalise coded values of a Personne in place; record the unusable ones."""
    _normalize_civility(personne, path, errors)
    if "Sexe" in personne and personne["Sexe"] not in ("1", "2"):
        errors.append(FieldError(f"{path}.Sexe", BAD_SEX))
    _normalize_birth_date(personne, path, errors, today)
    for key in ("PaysNaissance", "Nationalite"):
        if key in personne:
            personne[key] = personne[key].upper()
    for lieu in personne.get("LieuNaissance", []):
        if "Code" in lieu:
            lieu["Code"] = lieu["Code"].upper()
    for contact in personne.get("MethodeContact", []):
        if "CanalCode" in contact:
            contact["CanalCode"] = contact["CanalCode"].upper()
    for key in ("AdresseDomicile", "AdresseResidence"):
        if key in personne:
            normalize_address(personne[key], f"{path}.{key}", errors)


def _normalize_civility(personne: dict[str, Any], path: str, errors: list[FieldError]) -> None:
    if "Civilite" not in personne:
        return
    civility = personne["Civilite"].upper().rstrip(".")
    if civility not in ("M", "MME"):
        errors.append(FieldError(f"{path}.Civilite", BAD_CIVILITY))
        return
    personne["Civilite"] = civility


def _normalize_birth_date(
    personne: dict[str, Any], path: str, errors: list[FieldError], today: date
) -> None:
    if "DateNaissance" not in personne:
        return
    born = parse_date(personne["DateNaissance"])
    field = f"{path}.DateNaissance"
    if born is None:
        errors.append(FieldError(field, BAD_DATE))
    elif problem := implausible_birth(born, today):
        errors.append(FieldError(field, problem))
    else:
        personne["DateNaissance"] = format_date(born)


def check_parent_birth_date(
    parent: dict[str, Any], path: str, errors: list[FieldError], today: date
) -> None:
    """Record a parent's birth date out of range; one that is no date is carried as given."""
    born = parse_date(parent.get("DateNaissance"))
    if born is not None and (problem := implausible_birth(born, today)):
        errors.append(FieldError(f"{path}.DateNaissance", problem))


def normalize_address(address: dict[str, Any], path: str, errors: list[FieldError]) -> None:
    """Canonicalise an address's codes in place; record malformed postcodes and INSEE codes."""
    if "CodePostal" in address:
        postcode = address["CodePostal"].replace(" ", "")
        if POSTCODE_PATTERN.match(postcode):
            address["CodePostal"] = postcode
        else:
            errors.append(FieldError(f"{path}.CodePostal", BAD_POSTCODE))
    normalize_insee(address, path, errors)


def normalize_insee(obj: dict[str, Any], path: str, errors: list[FieldError]) -> None:
    """Upper-case ``obj["CodeINSEE"]`` in place, or record it as malformed."""
    if "CodeINSEE" not in obj:
        return
    code = obj["CodeINSEE"].upper()
    if is_insee_code(code):
        obj["CodeINSEE"] = code
    else:
        errors.append(FieldError(f"{path}.CodeINSEE", BAD_INSEE))


def is_insee_code(code: str) -> bool:
    return bool(INSEE_PATTERN.match(code))


# --- E-mail -------------------------------------------------------------------------------


def check_email(personne: dict[str, Any], path: str, errors: list[FieldError]) -> None:
    field = f"{path}.MethodeContact"
    if find_email(personne):
        return
    if _email_uris(personne):
        errors.append(FieldError(field, BAD_EMAIL))
    else:
        errors.append(FieldError(field, NO_EMAIL))


def _email_uris(personne: dict[str, Any]) -> list[str]:
    contacts = personne.get("MethodeContact", []) if isinstance(personne, dict) else []
    return [
        contact["URI"]
        for contact in as_list(contacts)
        if isinstance(contact, dict)
        and str(contact.get("CanalCode", "")).strip().upper() == "EMAIL"
        and isinstance(contact.get("URI"), str)
    ]


def find_email(personne: dict[str, Any]) -> str | None:
    """Return the first plausible EMAIL contact of a Personne, its domain lower-cased."""
    for uri in _email_uris(personne):
        address = clean_email(uri)
        if address:
            return address
    return None


def clean_email(uri: str) -> str | None:
    """Return ``uri`` as an e-mail address (no ``mailto:``, domain lower-cased), or None."""
    address = uri.strip()
    if address.lower().startswith("mailto:"):
        address = address.split(":", 1)[1].strip()
    if len(address) > 254 or not EMAIL_PATTERN.match(address):
        return None
    local, domain = address.rsplit("@", 1)
    if len(local) > 64:
        return None
    # The local part may be case-sensitive (RFC 5321); the domain never is.
    return f"{local}@{domain.lower()}"


# --- Shared validation pieces -------------------------------------------------------------


def missing_identity(personne: dict[str, Any]) -> list[str]:
    """Return what a citizen must still give about themselves (for the citizen, in French)."""
    missing = []
    if not text(personne, "NomFamille"):
        missing.append("Le nom de famille n'est pas renseigné.")
    if not text(personne, "PrenomUsuel"):
        missing.append("Le prénom usuel n'est pas renseigné.")
    if parse_date(text(personne, "DateNaissance")) is None:
        missing.append("La date de naissance n'est pas renseignée.")
    if not has_birthplace(personne):
        missing.append("Le lieu de naissance n'est pas renseigné.")
    domicile = section(personne, "AdresseDomicile")
    if not (text(domicile, "CodePostal") and text(domicile, "Localite")):
        missing.append(INCOMPLETE_ADDRESS)
    return missing


def has_birthplace(personne: dict[str, Any]) -> bool:
    """A birthplace is a named LieuNaissance entry or the INSEE code of the birth commune."""
    if text(personne, "CodeINSEENaissance"):
        return True
    lieux = personne.get("LieuNaissance") if isinstance(personne, dict) else None
    return any(isinstance(lieu, dict) and text(lieu, "Nom") for lieu in as_list(lieux))


def missing_attachments(
    required: list[str], attachments: list[AttachmentInfo], labels: dict[str, str] | None = None
) -> list[str]:
    """Return one French sentence per required kind that no attachment provides."""
    given = {attachment.kind for attachment in attachments}
    wording = {**ATTACHMENT_LABELS, **(labels or {})}
    return [
        f"Pièce justificative manquante : {wording.get(kind, kind)}."
        for kind in required
        if kind not in given
    ]


def domicile_code(personne: dict[str, Any]) -> str | None:
    code = text(section(personne, "AdresseDomicile"), "CodeINSEE")
    return code.upper() if code else None


def fold(value: str) -> str:
    """Return ``value`` lower-cased without accents, for comparing coded words."""
    decomposed = unicodedata.normalize("NFKD", value.strip().lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def join_motives(motives: list[str], suffix: str = "") -> str | None:
    """Return the refusal motives as one text (None when there is none)."""
    if not motives:
        return None
    return " ".join([*motives, suffix]).strip()


def check_commune(
    personne: dict[str, Any],
    ctx: ValidationContext,
    flags: list[Flag],
    motives: list[str],
    what: str,
) -> None:
    """Flag a domicile whose INSEE code is not routed to this commune."""
    code = domicile_code(personne)
    if code is None or code in {c.upper() for c in ctx.commune_codes}:
        return
    note = f"Le domicile déclaré (code INSEE {code}) ne relève pas de la commune "
    flags.append(Flag("commune_non_competente", f"{note}({ctx.commune_insee})."))
    motives.append(
        f"Votre domicile (code INSEE {code}) ne relève pas de notre commune : {what} se fait "
        "auprès de la mairie de la commune de votre domicile."
    )
