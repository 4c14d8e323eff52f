"""The national layout: the shape of each part, and submitted data cleaned along it."""

from __future__ import annotations

from typing import Any

from pipeline.domain.demarches import limits
from pipeline.domain.demarches.base import FieldError

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
#: The civil status a person and each parent share, in the national order (the XML export
#: writes the elements in the order of the layout).
BIRTH = {
    **dict.fromkeys(
        [
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
PERSONNE = {
    **dict.fromkeys(["Civilite", "Sexe", "NomFamille", "NomUsage"], TEXT),
    **BIRTH,
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
FILIATION = {"NomFamille": TEXT, **BIRTH}

ONCE_ONLY = "Cette rubrique ne peut figurer qu'une fois."


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
