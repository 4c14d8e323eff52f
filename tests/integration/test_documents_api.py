"""The documents over the API: the list, one document as stored, and the dossier's ZIP."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy import func, select

from pipeline import documents
from pipeline.commands.communes import create_commune, issue_token
from pipeline.commands.submit import Submission, submit_dossier
from pipeline.context import PipelineContext
from pipeline.documents.pdftext import page_text
from pipeline.documents.stored import (
    dossier_facts,
    signing_identity,
    store_document,
    trusted_communes,
)
from pipeline.domain.attachments import IncomingAttachment, check_file
from pipeline.store.model import Commune, Dossier, DossierDocument
from teledossier.bootstrap import Runtime
from tests.integration.test_api import INSEE, OTHER_INSEE, PDF, Api, make_api, png, rco_data

#: The attestations of these tests are issued at this instant (12/03/2026 in Paris).
ISSUED_AT = datetime(2026, 3, 12, 9, 30, tzinfo=UTC)


# --- Helpers shared with the verification page and CLI tests ----------------------------------


def file_dossier(ctx: PipelineContext, insee: str = INSEE, *,
                 demarche: str = "RecensementCitoyen", data: dict[str, Any] | None = None,
                 attachments: list[IncomingAttachment] | None = None) -> str:
    """File a dossier as the API would (intake only), and return its reference."""
    with ctx.db.transaction() as session:
        commune_id = session.scalar(select(Commune.id).where(Commune.insee == insee))
    pieces = attachments if attachments is not None else [
        IncomingAttachment("justificatif_identite", "cni.pdf", PDF),
        IncomingAttachment("livret_famille", "livret.png", png())]
    return submit_dossier(ctx, commune_id, Submission(
        demarche=demarche, data=data or rco_data(), attachments=pieces)).reference


def store_kind(ctx: PipelineContext, reference: str, kind: str,
               render: Callable[[documents.DossierFacts], bytes]) -> bytes:
    """Draw a document of the dossier and keep it, as a pipeline stage does."""
    with ctx.db.transaction() as session:
        dossier = dossier_by_reference(session, reference)
        content = render(dossier_facts(dossier))
        store_document(session, ctx, dossier, kind, content)
    return content


def issue_stored_attestation(ctx: PipelineContext, reference: str) -> bytes:
    """Issue the dossier's attestation with its commune's identity and keep it."""
    with ctx.db.transaction() as session:
        dossier = dossier_by_reference(session, reference)
        identity = signing_identity(session, ctx, dossier.commune)
        pdf = documents.issue_attestation(dossier_facts(dossier), identity, issued_at=ISSUED_AT,
                                          public_url=ctx.settings.public_url)
        store_document(session, ctx, dossier, "attestation", pdf)
    return pdf


def dossier_by_reference(session: Any, reference: str) -> Dossier:
    return session.scalars(select(Dossier).where(Dossier.reference == reference)).one()


def qr_url(pdf: bytes) -> str:
    """The verification URL the attestation's QR code holds (kept as the PDF's keywords)."""
    return str(PdfFileReader(io.BytesIO(pdf)).trailer["/Info"]["/Keywords"])


# --- Fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def runtime(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> Runtime:
    return runtime_factory(sqlite_url)


@pytest.fixture
def api(runtime: Runtime) -> Api:
    return make_api(runtime)


def path(reference: str, rest: str = "") -> str:
    return f"/api/v1/dossiers/{reference}{rest}"


def zip_files(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


# --- The list and the documents -----------------------------------------------------------------


def test_list_names_each_document_with_its_size_and_digest(api: Api) -> None:
    ctx = api.runtime.ctx
    reference = file_dossier(ctx)
    notice = store_kind(ctx, reference, "notice", documents.render_notice)
    attestation = issue_stored_attestation(ctx, reference)

    response = api.client.get(path(reference, "/documents"), headers=api.auth())

    assert response.status_code == 200
    listed = response.get_json()["documents"]
    assert [(d["kind"], d["filename"], d["size"], d["sha256"], d["media_type"], d["revoked_at"])
            for d in listed] == [
        ("notice", f"notice-individuelle-{reference}.pdf", len(notice),
         hashlib.sha256(notice).hexdigest(), "application/pdf", None),
        ("attestation", f"attestation-recensement-{reference}.pdf", len(attestation),
         hashlib.sha256(attestation).hexdigest(), "application/pdf", None),
    ]
    assert all(isinstance(d["id"], int) and datetime.fromisoformat(d["created_at"])
               for d in listed)


def test_list_is_empty_before_any_document_is_made(api: Api) -> None:
    reference = file_dossier(api.runtime.ctx)

    response = api.client.get(path(reference, "/documents"), headers=api.auth())

    assert response.get_json() == {"documents": []}


def test_document_is_served_byte_for_byte_and_stays_verifiable(api: Api) -> None:
    ctx = api.runtime.ctx
    reference = file_dossier(ctx)
    attestation = issue_stored_attestation(ctx, reference)
    listed = api.client.get(path(reference, "/documents"), headers=api.auth()).get_json()

    response = api.client.get(path(reference.lower(), f"/documents/{listed['documents'][0]['id']}"),
                              headers=api.auth())

    assert response.status_code == 200
    assert response.data == attestation
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=attestation-recensement-{reference}.pdf")
    digest = hashlib.sha256(attestation).hexdigest()
    assert response.headers["ETag"] == f'"{digest}"'
    with ctx.db.transaction() as session:
        trusted = trusted_communes(session)
    assert documents.verify_attestation(response.data, trusted).genuine
    again = api.client.get(path(reference, f"/documents/{listed['documents'][0]['id']}"),
                           headers={**api.auth(), "If-None-Match": f'"{digest}"'})
    assert again.status_code == 304


def test_unknown_document_and_another_dossiers_document_are_not_found(api: Api) -> None:
    ctx = api.runtime.ctx
    reference, other = file_dossier(ctx), file_dossier(ctx)
    store_kind(ctx, other, "notice", documents.render_notice)
    with ctx.db.transaction() as session:
        others_document = session.scalar(select(DossierDocument.id))

    for document_id in (others_document, 999_999, "abc", "-1"):
        response = api.client.get(path(reference, f"/documents/{document_id}"),
                                  headers=api.auth())
        assert response.status_code == 404
        assert response.get_json() == {"error": "document introuvable"}


# --- The ZIP ------------------------------------------------------------------------------------


def test_package_holds_the_stored_form_the_pieces_the_xml_and_a_true_manifest(api: Api) -> None:
    ctx = api.runtime.ctx
    scan = PDF.replace(b"Catalog", b"Catalog /Lang (fr)")
    reference = file_dossier(ctx, attachments=[
        IncomingAttachment("justificatif_identite", "../../Mes papiers/carte d'identité.pdf", PDF),
        IncomingAttachment("justificatif_identite", "Carte d'identité.PDF", scan),
        IncomingAttachment("livret_famille", 'livret:"famille"?.png', png()),
    ])
    notice = store_kind(ctx, reference, "notice", documents.render_notice)

    response = api.client.get(path(reference, "/package.zip"), headers=api.auth())

    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename={reference}-elements-du-dossier.zip")
    assert response.headers["Content-Security-Policy"].startswith("sandbox;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    files = zip_files(response.data)
    assert sorted(files) == sorted([
        f"{reference}-notice-individuelle.pdf", f"{reference}.xml",
        "pieces-justificatives/carte d'identité.pdf",
        "pieces-justificatives/Carte d'identité (2).PDF",
        "pieces-justificatives/livretfamille.png", "manifest.json"])
    assert files[f"{reference}-notice-individuelle.pdf"] == notice
    # The piece as stored: the PDF rewritten by the attachment check.
    assert files["pieces-justificatives/Carte d'identité (2).PDF"] == check_file(
        "scan.pdf", scan, ctx.settings.max_attachment_bytes, fallback="piece").content
    documents.validate_xml(files[f"{reference}.xml"])  # raises when the XSD is not met
    assert b"<NomFamille>MARTIN</NomFamille>" in files[f"{reference}.xml"]
    manifest = json.loads(files["manifest.json"])
    assert manifest["reference"] == reference
    assert manifest["commune"] == {"nom": "Nice", "code_insee": INSEE}
    assert {entry["nom"]: entry["sha256"] for entry in manifest["fichiers"]} == {
        name: hashlib.sha256(content).hexdigest()
        for name, content in files.items() if name != "manifest.json"}


def test_package_before_validation_draws_the_form_without_storing_it(api: Api) -> None:
    ctx = api.runtime.ctx
    reference = file_dossier(ctx)

    response = api.client.get(path(reference, "/package.zip"), headers=api.auth())

    form = zip_files(response.data)[f"{reference}-notice-individuelle.pdf"]
    text = page_text(form)
    assert "MARTIN" in text and "Lucas" in text
    with ctx.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(DossierDocument)) == 0
    again = api.client.get(path(reference, "/package.zip"), headers=api.auth())
    assert again.data == response.data  # the same dossier gives the same archive


def test_electoral_roll_package_holds_the_request_and_its_own_xml(api: Api) -> None:
    ctx = api.runtime.ctx
    data = {
        "Personne": {
            "Civilite": "MME", "Sexe": "2", "NomFamille": "BERNARD", "PrenomUsuel": "Julie",
            "DateNaissance": "05/06/1990", "Nationalite": "FRA", "CodeINSEENaissance": "75056",
            "AdresseDomicile": {"CodePostal": "06000", "Localite": "Nice", "CodeINSEE": INSEE},
            "MethodeContact": {"URI": "julie.bernard@example.org", "CanalCode": "EMAIL"},
        },
        "Rattachement": {"Motif": "DOMICILE"},
    }
    reference = file_dossier(ctx, demarche="InscriptionListesElectorales", data=data,
                             attachments=[IncomingAttachment("justificatif_domicile",
                                                             "facture.pdf", PDF)])

    response = api.client.get(path(reference, "/package.zip"), headers=api.auth())

    files = zip_files(response.data)
    assert f"{reference}-demande-inscription.pdf" in files
    assert "pieces-justificatives/facture.pdf" in files
    xml = files[f"{reference}.xml"]
    documents.validate_xml(xml)
    assert xml.startswith(b"<?xml") and b"<InscriptionListesElectorales>" in xml


# --- Who may read them --------------------------------------------------------------------------


@pytest.mark.parametrize("rest", ["/documents", "/documents/1", "/package.zip"])
def test_documents_need_a_token(api: Api, rest: str) -> None:
    reference = file_dossier(api.runtime.ctx)

    response = api.client.get(path(reference, rest))

    assert response.status_code == 401
    assert "authentification requise" in response.get_json()["error"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("rest", ["/documents", "/documents/1", "/package.zip"])
def test_another_communes_dossier_is_not_found(api: Api, rest: str) -> None:
    ctx = api.runtime.ctx
    create_commune(ctx, insee=OTHER_INSEE, name="Marseille", agents_email="agents@marseille.test")
    theirs = issue_token(ctx, OTHER_INSEE)
    reference = file_dossier(ctx)
    store_kind(ctx, reference, "notice", documents.render_notice)

    response = api.client.get(path(reference, rest), headers=api.auth(theirs))
    unknown = api.client.get(path("TD-7K3M9QXAX", rest), headers=api.auth())

    assert (response.status_code, response.get_json()) == (404, {"error": "dossier introuvable"})
    assert (unknown.status_code, unknown.get_json()) == (404, {"error": "dossier introuvable"})


def test_submit_only_token_reads_documents_like_the_dossier(api: Api) -> None:
    reference = file_dossier(api.runtime.ctx)

    for rest in ("", "/documents", "/package.zip"):
        assert api.client.get(path(reference, rest),
                              headers=api.auth(api.submit_only)).status_code == 200


# --- PostgreSQL ---------------------------------------------------------------------------------


@pytest.mark.postgres
def test_documents_and_package_on_postgresql(runtime_factory: Callable[..., Runtime],
                                             pg_url: str) -> None:
    api = make_api(runtime_factory(pg_url))
    ctx = api.runtime.ctx
    reference = file_dossier(ctx)
    attestation = issue_stored_attestation(ctx, reference)

    listed = api.client.get(path(reference, "/documents"), headers=api.auth()).get_json()
    served = api.client.get(path(reference, f"/documents/{listed['documents'][0]['id']}"),
                            headers=api.auth())
    package = api.client.get(path(reference, "/package.zip"), headers=api.auth())

    assert served.data == attestation
    assert "pieces-justificatives/livret.png" in zip_files(package.data)
