"""Parsing and calendar helpers shared by the démarches: layout, dates, e-mail, INSEE codes."""

from __future__ import annotations

import re
import unicodedata
from calendar import monthrange
from datetime import date, timedelta
from typing import Any

from pipeline.domain.demarches import limits
from pipeline.domain.demarches.base import (
    AttachmentInfo,
    FieldError,
    Flag,
    InvalidDossier,
    ValidationContext,
)

#: Elements that may repeat in the national layout: always lists in canonical data.
REPEATED = frozenset({"LieuNaissance", "MethodeContact", "FormaliteMotifCode"})

#: Markers in a layout spec: a text value, or anything (carried as given, only cleaned).
TEXT = "text"
ANY = "any"

#: Values that mean "nothing" once stripped (portals serialise missing values this way).
ABSENT_WORDS = frozenset({"", "null", "none"})

ADDRESS = dict.fromkeys(
    [
        "PointDeRemise",
        "Complement",
        "NumeroVoie",
        "Extension",
        "TypeVoie",
        "NomVoie",
        "LieuDit",
        "CodePostal",
        "Localite",
        "CodeINSEE",
    ],
    TEXT,
)
LIEU_NAISSANCE = {"Code": TEXT, "Nom": TEXT}
METHODE_CONTACT = {"URI": TEXT, "CanalCode": TEXT}
FORMALITE = {
    "Identifiant": TEXT,
    "FormaliteType": TEXT,
    "DateSoumission": TEXT,
    "FormaliteMotifCode": TEXT,
    "FormaliteModeCode": TEXT,
}
PERSONNE = {
    **dict.fromkeys(
        [
            "Civilite",
            "Sexe",
            "NomFamille",
            "NomUsage",
            "PrenomUsuel",
            "Prenom",
            "DateNaissance",
            "PaysNaissance",
            "Nationalite",
            "CodeINSEENaissance",
        ],
        TEXT,
    ),
    "LieuNaissance": LIEU_NAISSANCE,
    "AdresseDomicile": ADDRESS,
    "AdresseResidence": ADDRESS,
    "SituationFamille": dict.fromkeys(
        ("SituationMatrimoniale", "NombreEnfants", "Pupille", "NombreFrereSoeur"), TEXT
    ),
    "MethodeContact": METHODE_CONTACT,
    # The law asks for them; their shape is not fixed nationally, so they are carried as given.
    "SituationScolaireOuProfessionnelle": ANY,
    "DemandeExemption": ANY,
}
FILIATION = {
    **dict.fromkeys(
        [
            "NomFamille",
            "PrenomUsuel",
            "Prenom",
            "DateNaissance",
            "PaysNaissance",
            "Nationalite",
            "CodeINSEENaissance",
        ],
        TEXT,
    ),
    "LieuNaissance": LIEU_NAISSANCE,
}

WEDNESDAY = 2  # date.weekday()
#: No one alive was born before: an earlier year is a typing slip (0001, 19, 209...).
EARLIEST_BIRTH = date(1900, 1, 1)
DATE_PATTERN = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
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
ONCE_ONLY = "Cette rubrique ne peut figurer qu'une fois."
BAD_SEX = "Le sexe doit valoir 1 (masculin) ou 2 (féminin)."
BAD_CIVILITY = "La civilité doit valoir M ou MME."
BAD_DATE = "La date doit être une date réelle au format jj/mm/aaaa."
FUTURE_BIRTH = "La date de naissance ne peut pas être dans le futur."
OLD_BIRTH = (
    f"La date de naissance ne peut pas être antérieure au {EARLIEST_BIRTH.strftime('%d/%m/%Y')}"
    " : vérifiez l'année, sur 4 chiffres."
)
BAD_POSTCODE = "Le code postal doit compter 5 chiffres."
BAD_INSEE = "Le code INSEE de la commune doit compter 5 caractères (chiffres, ou 2A/2B en Corse)."
BAD_EMAIL = "L'adresse électronique indiquée n'est pas valide."
NO_EMAIL = "Une adresse électronique valide est nécessaire pour suivre la demande."
INCOMPLETE_ADDRESS = (
    "L'adresse du domicile est incomplète : le code postal et la commune sont nécessaires."
)


# --- Canonical layout ---------------------------------------------------------------------


def is_absent(value: Any) -> bool:
    """Return True for None, blank strings, "null"/"None", and empty lists or objects."""
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip().casefold() in ABSENT_WORDS
    return isinstance(value, dict | list) and not value


def as_list(value: Any) -> list[Any]:
    """Return a repeated element as a list, whether it came as one value, a list or nothing."""
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def canonical(value: Any, spec: Any, path: str, errors: list[FieldError]) -> Any:
    """Return ``value`` cleaned along ``spec`` (None when absent); type mismatches go to errors."""
    if is_absent(value):
        return None
    if spec == ANY:
        return _clean_any(value, path, errors)
    if spec == TEXT:
        return _clean_text(value, path, errors)
    if isinstance(value, list):
        errors.append(FieldError(path, ONCE_ONLY))
        return None
    if not isinstance(value, dict):
        errors.append(FieldError(path, "Cette rubrique doit contenir des sous-éléments."))
        return None
    out: dict[str, Any] = {}
    for key, item in value.items():
        key = str(key)
        sub_path = f"{path}.{key}" if path else key
        sub_spec = spec.get(key, ANY)
        if key in REPEATED:
            items = [canonical(one, sub_spec, sub_path, errors) for one in as_list(item)]
            cleaned: Any = [one for one in items if one is not None] or None
        else:
            cleaned = canonical(item, sub_spec, sub_path, errors)
        if cleaned is not None:
            out[key] = cleaned
    return out or None


def _clean_text(value: Any, path: str, errors: list[FieldError]) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _bounded(str(value), path, errors)
    if isinstance(value, str):
        return _bounded(value.strip(), path, errors)
    if isinstance(value, list):
        errors.append(FieldError(path, ONCE_ONLY))
    else:
        errors.append(FieldError(path, "Cette rubrique doit contenir une valeur simple."))
    return None


def _clean_any(value: Any, path: str, errors: list[FieldError]) -> Any:
    # Recursive: normalize_layout has bounded the nesting first (limits.shape_errors).
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not is_absent(item):
                out[str(key)] = _clean_any(item, f"{path}.{key}" if path else str(key), errors)
        out = {k: v for k, v in out.items() if v is not None}
        return out or None
    if isinstance(value, list):
        items = [_clean_any(v, path, errors) for v in value if not is_absent(v)]
        return [v for v in items if v is not None] or None
    if isinstance(value, str):
        return None if is_absent(value) else _bounded(value.strip(), path, errors,
                                                      limits.FREE_PART_MAX_LENGTH)
    if isinstance(value, int) and not isinstance(value, bool):
        # A number carried as given is still text on every document.
        error = limits.length_error(str(value), path, limits.FREE_PART_MAX_LENGTH)
        if error:
            errors.append(error)
            return None
    return value


def _bounded(text: str, path: str, errors: list[FieldError], limit: int | None = None
             ) -> str | None:
    """Return ``text``, or None with an error when it is longer than its field allows."""
    error = limits.length_error(text, path, limit)
    if error:
        errors.append(error)
        return None
    return text


def text(data: dict[str, Any], *path: str) -> str | None:
    """Return the text at ``path`` in nested objects, or None when absent or not text."""
    value: Any = data
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    if not isinstance(value, str) or is_absent(value):
        return None
    return value.strip()


def section(data: dict[str, Any], key: str) -> dict[str, Any]:
    """Return the object at ``key``, or an empty one when absent or malformed."""
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


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


def implausible_birth(born: date, today: date) -> str | None:
    """Return why ``born`` cannot be a birth date (before 1900, after today), or None."""
    if born > today:
        return FUTURE_BIRTH
    if born < EARLIEST_BIRTH:
        return OLD_BIRTH
    return None


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


# --- Dates --------------------------------------------------------------------------------


def parse_date(value: str | None) -> date | None:
    """Return the date written dd/mm/yyyy (day and month may have one digit), or None."""
    if not isinstance(value, str):
        return None
    match = DATE_PATTERN.match(value.strip())
    if not match:
        return None
    day, month, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def format_date(day: date) -> str:
    """Return dd/mm/yyyy, the year on 4 digits even before 1000 (strftime drops them)."""
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def anniversary(birth: date, years: int) -> date:
    """Return the date someone born on ``birth`` turns ``years``.

    Someone born on 29 February turns a year older on 1 March in common years: they have not
    reached the age on 28 February, as the day of their birth has not yet come round.
    """
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:
        return date(birth.year + years, 3, 1)


def age_on(birth: date, day: date) -> int:
    """Return the age in whole years on ``day`` of someone born on ``birth``."""
    years = day.year - birth.year
    if day < anniversary(birth, years):
        years -= 1
    return years


def last_day_of_month_after(day: date, months: int) -> date:
    """Return the last day of the ``months``-th month after the month of ``day``."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, monthrange(year, month)[1])


def nth_weekday_before(day: date, weekday: int, n: int) -> date:
    """Return the ``n``-th given weekday (Monday = 0) strictly before ``day``."""
    back = (day.weekday() - weekday) % 7 or 7
    return day - timedelta(days=back + 7 * (n - 1))


def sixth_wednesday_before(day: date) -> date:
    """Return the 6th Wednesday before ``day``: online electoral requests close on it."""
    return nth_weekday_before(day, WEDNESDAY, 6)


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


def citizen_email(data: dict[str, Any]) -> str:
    """Return the citizen's e-mail address; raise InvalidDossier when there is none."""
    address = find_email(section(data, "Personne"))
    if address is None:
        raise InvalidDossier([FieldError("Personne.MethodeContact", NO_EMAIL)])
    return address


def citizen_name(data: dict[str, Any]) -> str:
    """Return "PrenomUsuel NomFamille", leaving out whichever is absent."""
    personne = section(data, "Personne")
    names = (text(personne, "PrenomUsuel"), text(personne, "NomFamille"))
    return " ".join(name for name in names if name)
