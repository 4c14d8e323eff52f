"""How long and how deep a dossier's values may be: one table for every channel that takes them in.

The API (JSON and national XML), the citizens' form and the pipeline all go through the
démarches' ``normalize``, which applies this table; free texts (messages, comments, motives)
are checked with ``free_text_error`` wherever they enter.
"""

from __future__ import annotations

from typing import Any

from pipeline.domain.demarches.base import FieldError

#: Longest value of each element of the RCO and ILE layouts, in characters once trimmed.
#: Codes the démarches do not check take the length of their code (an INSEE code has 5
#: characters); codes they check (documents/xsd/commun.xsd: civility, sex, postcode, dates)
#: get some room, so that "Madame" or "12 janvier 2009" hear the clearer message of their own
#: rule. Names, places and address parts take a bound well above real ones (the longest
#: commune name has 45 letters) and within the XSD's 2000 for a Texte, so an accepted dossier
#: always exports valid XML; the name bounds also keep "PrenomUsuel NomFamille" within the
#: dossier's ``citizen_name`` column (400).
FIELD_MAX_LENGTH: dict[str, int] = {
    # Formalite
    "Identifiant": 40,  # the dossier's national_number column
    "FormaliteType": 20,
    "DateSoumission": 40,  # 2009-11-06T18:14:28.123456+01:00
    "FormaliteMotifCode": 40,
    "FormaliteModeCode": 20,
    # Personne and the parents' filiation
    "Civilite": 10,
    "Sexe": 10,
    "NomFamille": 100,
    "NomUsage": 100,
    "PrenomUsuel": 100,
    "Prenom": 200,  # every other first name
    "DateNaissance": 20,
    "PaysNaissance": 60,  # ISO 3166 alpha-3, though some files write the country's name
    "Nationalite": 60,
    "CodeINSEENaissance": 5,
    # LieuNaissance: COMMUNE or AUTRE, then the town or free text such as a postcode
    "Code": 20,
    "Nom": 100,
    # AdresseDomicile, AdresseResidence
    "PointDeRemise": 100,
    "Complement": 100,
    "NumeroVoie": 10,
    "Extension": 10,
    "TypeVoie": 40,
    "NomVoie": 100,
    "LieuDit": 100,
    "CodePostal": 10,
    "Localite": 100,
    "CodeINSEE": 10,
    # SituationFamille
    "SituationMatrimoniale": 40,
    "NombreEnfants": 20,
    "Pupille": 20,
    "NombreFrereSoeur": 20,
    # MethodeContact: an e-mail address is 254 at most (RFC 5321), plus "mailto:"
    "URI": 320,
    "CanalCode": 10,
    # ILE
    "Motif": 20,
    "Pays": 60,
    "Date": 20,
    "Type": 40,
    "MotifTardif": 40,
}

#: Each text in the parts carried as given (SituationScolaireOuProfessionnelle,
#: DemandeExemption) and in elements the layouts do not name.
FREE_PART_MAX_LENGTH = 500
#: Objects and lists nested in a dossier's data: the layouts need 4
#: (data, Personne, LieuNaissance, one place); the parts carried as given get some room.
MAX_DEPTH = 10
#: Values (texts, numbers, objects, lists) in a dossier's data: a full one has about 80.
MAX_VALUES = 500
#: Name of an element (the longest of the layouts, SituationScolaireOuProfessionnelle, has 34).
MAX_NAME_LENGTH = 100
#: Messages, comments and motives, from citizens and agents: a page or two of typing.
FREE_TEXT_MAX_LENGTH = 5000

TOO_DEEP = f"Cette rubrique contient trop de niveaux imbriqués ({MAX_DEPTH} au plus)."
TOO_MANY_VALUES = f"Le dossier contient trop de valeurs ({MAX_VALUES} au plus)."
NAME_TOO_LONG = f"Un nom de rubrique dépasse {MAX_NAME_LENGTH} caractères."


def max_length(path: str) -> int:
    """Return the longest value allowed at ``path`` (e.g. "Personne.NomFamille")."""
    return FIELD_MAX_LENGTH.get(path.rsplit(".", 1)[-1], FREE_PART_MAX_LENGTH)


def too_long(limit: int, length: int) -> str:
    """Return the French message for a value of ``length`` characters over ``limit``."""
    return f"Ce champ est trop long : {_count(limit)} caractères au plus ({_count(length)} reçus)."


def length_error(value: str, path: str, limit: int | None = None) -> FieldError | None:
    """Return the error for ``value`` at ``path`` when it is longer than allowed."""
    limit = max_length(path) if limit is None else limit
    return FieldError(path, too_long(limit, len(value))) if len(value) > limit else None


def free_text_error(text: str, field: str) -> FieldError | None:
    """Return the error for a message, comment or motive longer than allowed."""
    # Browsers send a new line as CR LF but count it as one character against maxlength.
    return length_error(text.strip().replace("\r\n", "\n"), field, FREE_TEXT_MAX_LENGTH)


def shape_errors(data: dict[str, Any]) -> list[FieldError]:
    """Return what is wrong with ``data`` as a whole: nesting, number of values, names.

    Walked without recursion, before anything recursive reads the data: a deeply nested
    submission must be refused, not overflow the interpreter's stack.
    """
    errors: list[FieldError] = []
    stack: list[tuple[Any, str, int]] = [(data, "", 1)]
    seen = 1
    while stack:
        value, path, depth = stack.pop()
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_DEPTH:
            errors.append(FieldError(path or "dossier", TOO_DEEP))
            continue
        seen += len(value)
        if seen > MAX_VALUES:  # counted before going further: a huge list is not walked
            return [*errors, FieldError("dossier", TOO_MANY_VALUES)]
        if isinstance(value, list):
            stack.extend((item, path, depth + 1) for item in value)
            continue
        for key, item in value.items():
            name = str(key)
            if len(name) > MAX_NAME_LENGTH:
                errors.append(FieldError(path or "dossier", NAME_TOO_LONG))
                continue
            stack.append((item, f"{path}.{name}" if path else name, depth + 1))
    return errors


def _count(number: int) -> str:
    return f"{number:,}".replace(",", "\u202f")
