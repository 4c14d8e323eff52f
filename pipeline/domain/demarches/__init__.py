"""The two démarches, RCO and ILE: their data, their documents and their validation rules."""

from __future__ import annotations

from pipeline.domain.demarches.base import (
    AttachmentInfo,
    Demarche,
    Election,
    FieldError,
    Flag,
    InvalidDossier,
    ValidationContext,
    ValidationReport,
)
from pipeline.domain.demarches.ile import ILE
from pipeline.domain.demarches.rco import RCO

#: Every démarche by its national identifier.
DEMARCHES: dict[str, Demarche] = {RCO.id: RCO, ILE.id: ILE}

__all__ = [
    "DEMARCHES",
    "ILE",
    "RCO",
    "AttachmentInfo",
    "Demarche",
    "Election",
    "FieldError",
    "Flag",
    "InvalidDossier",
    "ValidationContext",
    "ValidationReport",
]
