"""« Télécharger les éléments du dossier »: one ZIP of the form, pieces, XML and a manifest."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Sequence
from datetime import datetime

from pipeline.documents.facts import DossierFacts
from pipeline.documents.text import in_paris
from pipeline.domain.attachments import safe_filename

#: Where the citizen's pieces go in the archive, under their own (made safe) names.
PIECES = "pieces-justificatives"
FORM_NAMES = {
    "RecensementCitoyen": "notice-individuelle",
    "InscriptionListesElectorales": "demande-inscription",
}
#: ZIP timestamps cannot precede 1980.
ZIP_EPOCH = datetime(1980, 1, 1)


def build_package(facts: DossierFacts, pdf: bytes, attachments: Sequence[tuple[str, bytes]],
                  xml: bytes) -> bytes:
    """Return the ZIP of a dossier; the same dossier gives the same bytes."""
    reference = safe_filename(facts.reference, "dossier")
    form = FORM_NAMES.get(facts.demarche, "formulaire")
    files = [(f"{reference}-{form}.pdf", pdf), (f"{reference}.xml", xml)]
    taken: set[str] = set()
    for index, (filename, content) in enumerate(attachments, start=1):
        name = _unique(safe_filename(filename, f"piece-{index}"), taken)
        files.append((f"{PIECES}/{name}", content))
    manifest = {
        "reference": facts.reference,
        "demarche": facts.demarche,
        "commune": {"nom": facts.commune_name, "code_insee": facts.commune_insee},
        "deposee_le": in_paris(facts.submitted_at).isoformat(),
        "fichiers": [{"nom": name, "taille": len(content),
                      "sha256": hashlib.sha256(content).hexdigest()} for name, content in files],
    }
    files.append(("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2).encode()))
    stamp = max(in_paris(facts.submitted_at).replace(tzinfo=None), ZIP_EPOCH)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files:
            # Fixed time and permissions: nothing from the machine or the clock gets in.
            info = zipfile.ZipInfo(name, date_time=stamp.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, content)
    return out.getvalue()


def _unique(name: str, taken: set[str]) -> str:
    """Return ``name``, or "name (2).ext"... when an earlier file has it (case aside)."""
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem:
        stem, extension = name, ""
    candidate, number = name, 1
    while candidate.casefold() in taken:
        number += 1
        candidate = f"{stem} ({number}).{extension}" if extension else f"{stem} ({number})"
    taken.add(candidate.casefold())
    return candidate
