"""« Télécharger les éléments du dossier »: gather the form, the pieces and the XML into one ZIP."""

from __future__ import annotations

from sqlalchemy.orm import Session

from pipeline import documents
from pipeline.context import PipelineContext
from pipeline.documents.stored import FORM_KINDS, dossier_facts, find_document
from pipeline.store.model import Dossier


def package_name(dossier: Dossier) -> str:
    return f"{dossier.reference}-elements-du-dossier.zip"


def dossier_package(session: Session, ctx: PipelineContext, dossier: Dossier) -> bytes:
    """The dossier's ZIP: its pre-filled form, the citizen's pieces, the XML and a manifest.

    ``dossier`` is read in ``session`` (its commune and attachments load from it).
    """
    facts = dossier_facts(dossier)
    stored_form = find_document(session, dossier.id, FORM_KINDS[dossier.demarche])
    # Before validation has stored it, the form is drawn for this download only.
    form = (ctx.blobs.get(session, stored_form.sha256) if stored_form is not None
            else documents.render_form(facts))
    pieces = [(piece.filename, ctx.blobs.get(session, piece.sha256))
              for piece in dossier.attachments if piece.kind not in documents.DOCUMENT_KINDS]
    return documents.build_package(facts, form, pieces, documents.export_xml(facts))
