"""What the documents need to know about a dossier, read once from the model into plain values."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

#: Kinds of the documents the commune produces: kept on the dossier, but not the citizen's pieces.
DOCUMENT_KINDS = frozenset({"notice", "demande", "recepisse", "attestation", "refus"})


@dataclass(frozen=True)
class AttachmentFacts:
    """One piece the citizen filed, as the récépissé and the ZIP list it."""

    filename: str
    kind: str
    size: int
    sha256: str


@dataclass(frozen=True)
class DossierFacts:
    """A dossier's values for its documents; ``data`` is the démarche's normalized data."""

    reference: str
    demarche: str
    commune_name: str
    commune_insee: str
    citizen_email: str
    submitted_at: datetime
    data: dict[str, Any] = field(default_factory=dict, hash=False)
    attachments: tuple[AttachmentFacts, ...] = ()

    def __post_init__(self) -> None:
        if self.submitted_at.tzinfo is None:
            raise ValueError("submitted_at must be timezone-aware")

    @classmethod
    def from_dossier(cls, dossier: _DossierLike) -> DossierFacts:
        """Read a ``pipeline.store.model.Dossier`` (with its commune and attachments loaded)."""
        pieces = tuple(
            AttachmentFacts(a.filename, a.kind, a.size, a.sha256)
            for a in dossier.attachments
            if a.kind not in DOCUMENT_KINDS
        )
        return cls(
            reference=dossier.reference,
            demarche=dossier.demarche,
            commune_name=dossier.commune.name,
            commune_insee=dossier.commune.insee,
            citizen_email=dossier.citizen_email,
            submitted_at=dossier.submitted_at,
            # A copy: the ORM's JSON value stays the model's, whatever a renderer does.
            data=copy.deepcopy(dossier.data or {}),
            attachments=pieces,
        )


class _CommuneLike(Protocol):
    name: str
    insee: str


class _AttachmentLike(Protocol):
    filename: str
    kind: str
    size: int
    sha256: str


class _DossierLike(Protocol):
    """What ``from_dossier`` reads: the package stays free of the database layer."""

    reference: str
    demarche: str
    citizen_email: str
    submitted_at: datetime
    data: dict[str, Any]

    @property
    def commune(self) -> _CommuneLike: ...

    @property
    def attachments(self) -> list[_AttachmentLike]: ...
