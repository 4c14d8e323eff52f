"""/verifier: what the attestation's QR code opens; genuine, revoked, or one generic failure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from pipeline.commands.communes import create_commune
from pipeline.documents import QrFacts, generate_identity, sign_qr_payload
from pipeline.documents.identity import load_qr_private_key
from pipeline.documents.qr import payload_from_url, verification_url
from pipeline.documents.stored import find_document, save_identity, signing_identity
from pipeline.domain.references import new_reference
from pipeline.store.model import Commune, DossierDocument, VerificationCheck
from teledossier.bootstrap import Runtime
from tests.integration.test_api import INSEE
from tests.integration.test_documents_api import (
    dossier_by_reference,
    file_dossier,
    issue_stored_attestation,
    qr_url,
)
from web_minimal import create_app

NOT_VERIFIED = "Cette attestation n'a pas pu être vérifiée"


@dataclass
class Site:
    """The public site of an installation where Nice issued one attestation."""

    runtime: Runtime
    client: FlaskClient
    reference: str
    #: The URL in the attestation's QR code, and the id of the key that signed it.
    url: str
    key_id: str

    @property
    def payload(self) -> str:
        return payload_from_url(self.url) or ""

    def check(self, url: str | None = None, address: str = "192.0.2.10") -> Any:
        parts = urlsplit(url or self.url)
        return self.client.get(f"{parts.path}?{parts.query}" if parts.query else parts.path,
                               environ_base={"REMOTE_ADDR": address})

    def checks(self) -> list[VerificationCheck]:
        with self.runtime.ctx.db.transaction() as session:
            return list(session.scalars(select(VerificationCheck).order_by(VerificationCheck.id)))

    def outcomes(self) -> list[str]:
        return [check.outcome for check in self.checks()]

    def sign(self, facts: QrFacts, identity: Any | None = None) -> str:
        """A verification URL for ``facts``, signed with Nice's key or ``identity``'s."""
        ctx = self.runtime.ctx
        if identity is None:
            with ctx.db.transaction() as session:
                commune = session.scalars(select(Commune).where(Commune.insee == INSEE)).one()
                identity = signing_identity(session, ctx, commune)
        payload = sign_qr_payload(facts, load_qr_private_key(identity.qr_private_key_pem))
        return verification_url(ctx.settings.public_url, facts.reference, payload)

    def qr_facts(self, **changes: Any) -> QrFacts:
        """What the issued attestation's code vouches for, with ``changes``."""
        values = dict(reference=self.reference, family_name="MARTIN", first_names="Lucas",
                      birth_date=date(2009, 1, 12), commune_insee=INSEE,
                      issued_on=date(2026, 3, 12), key_id=self.key_id)
        return QrFacts(**{**values, **changes})


def make_site(runtime: Runtime, **config: Any) -> Site:
    ctx = runtime.ctx
    create_commune(ctx, insee=INSEE, name="Nice", agents_email="agents@nice.example")
    reference = file_dossier(ctx)
    pdf = issue_stored_attestation(ctx, reference)
    client = create_app(runtime, {"TESTING": True, **config}).test_client()
    with ctx.db.transaction() as session:
        commune = session.scalars(select(Commune).where(Commune.insee == INSEE)).one()
        key_id = signing_identity(session, ctx, commune).key_id
    return Site(runtime, client, reference, qr_url(pdf), key_id)


@pytest.fixture
def site(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> Site:
    return make_site(runtime_factory(sqlite_url))


def text_of(response: Any) -> str:
    return " ".join(response.get_data(as_text=True).split())


# --- Genuine and revoked ------------------------------------------------------------------------


def test_genuine_attestation_shows_the_data_to_compare(site: Site) -> None:
    response = site.check()

    assert response.status_code == 200
    page = text_of(response)
    assert "Attestation authentique" in page
    for shown in ("MARTIN", "Lucas", "12/01/2009", "Nice (06088)", "12/03/2026",
                  site.reference):
        assert shown in page
    assert "révoquée le" not in page
    # Nice never configured a certificate: the one Télédossier generated is named plainly.
    assert "certificat généré par Télédossier" in page
    [check] = site.checks()
    assert (check.outcome, check.reference, check.key_id) == (
        "genuine", site.reference, site.key_id)


def test_url_printed_on_the_attestation_points_at_this_page(site: Site) -> None:
    assert site.url.startswith(f"http://teledossier.test/verifier/{site.reference}?p=")


def test_revoked_attestation_says_when(site: Site) -> None:
    with site.runtime.ctx.db.transaction() as session:
        dossier = dossier_by_reference(session, site.reference)
        find_document(session, dossier.id, "attestation").revoked_at = datetime(
            2026, 4, 2, 8, 0, tzinfo=UTC)

    response = site.check()

    assert response.status_code == 200
    page = text_of(response)
    assert "Attestation révoquée le 02/04/2026" in page
    assert "Attestation authentique" not in page
    assert "MARTIN" in page
    assert site.outcomes() == ["revoked"]


def test_commune_with_its_own_certificate_is_not_said_generated(
        runtime_factory: Callable[..., Runtime], sqlite_url: str) -> None:
    runtime = runtime_factory(sqlite_url)
    ctx = runtime.ctx
    commune = create_commune(ctx, insee=INSEE, name="Nice", agents_email="agents@nice.example")
    with ctx.db.transaction() as session:
        save_identity(session, commune, generate_identity(INSEE, "Nice", "Christian Estrosi"),
                      ctx.clock.now(), generated=False)
    reference = file_dossier(ctx)
    url = qr_url(issue_stored_attestation(ctx, reference))
    client = create_app(runtime, {"TESTING": True}).test_client()

    parts = urlsplit(url)
    page = text_of(client.get(f"{parts.path}?{parts.query}"))

    assert "Attestation authentique" in page
    assert "généré par Télédossier" not in page


# --- One generic failure ------------------------------------------------------------------------


def test_payload_with_one_character_changed_is_not_verified(site: Site) -> None:
    payload = site.payload
    at = len(payload) - 10  # inside the signature
    forged = payload[:at] + ("B" if payload[at] == "A" else "A") + payload[at + 1:]

    response = site.check(site.url.replace(payload, forged))

    assert response.status_code == 404
    assert NOT_VERIFIED in text_of(response)
    assert "MARTIN" not in response.get_data(as_text=True)
    assert site.outcomes() == ["forged"]


def test_payload_signed_by_an_unknown_key_is_not_verified(site: Site) -> None:
    impostor = generate_identity(INSEE, "Nice", "Faux Maire")
    url = site.sign(site.qr_facts(key_id=impostor.key_id), impostor)

    response = site.check(url)

    assert response.status_code == 404
    assert NOT_VERIFIED in text_of(response)
    [check] = site.checks()
    assert (check.outcome, check.key_id) == ("unknown", impostor.key_id)


def test_validly_signed_payload_of_an_unknown_reference_is_not_verified(site: Site) -> None:
    url = site.sign(site.qr_facts(reference=new_reference()))

    response = site.check(url)

    assert response.status_code == 404
    assert NOT_VERIFIED in text_of(response)
    assert site.outcomes() == ["unknown"]


def test_signed_payload_that_is_not_the_issued_one_is_not_verified(site: Site) -> None:
    # Signed by Nice for the real reference, but not what the stored attestation carries.
    url = site.sign(site.qr_facts(first_names="Léa"))

    response = site.check(url)

    assert response.status_code == 404
    assert site.outcomes() == ["unknown"]


def test_payload_under_another_reference_is_not_verified(site: Site) -> None:
    other = file_dossier(site.runtime.ctx)

    response = site.check(site.url.replace(f"/verifier/{site.reference}", f"/verifier/{other}"))

    assert response.status_code == 404
    assert site.outcomes() == ["forged"]


def test_address_without_payload_is_not_verified(site: Site) -> None:
    response = site.check(f"/verifier/{site.reference}")

    assert response.status_code == 404
    assert NOT_VERIFIED in text_of(response)
    assert site.outcomes() == ["unknown"]


def test_every_failure_gives_the_same_page_whether_the_reference_exists_or_not(
        site: Site) -> None:
    payload = site.payload
    forged = payload[:-10] + ("B" if payload[-10] == "A" else "A") + payload[-9:]
    absent = new_reference()
    attempts = [
        site.url.replace(payload, forged),
        site.url.replace(payload, forged).replace(site.reference, absent),
        f"/verifier/{site.reference}",
        f"/verifier/{absent}",
        f"/verifier/{site.reference}?p=garbage",
        f"/verifier/{absent}?p=garbage",
        site.sign(site.qr_facts(reference=absent)),
        "/verifier/pas-une-reference?p=" + payload,
    ]

    answers = {(r.status_code, r.data) for r in map(site.check, attempts)}

    assert len(answers) == 1
    assert answers.pop()[0] == 404


def test_no_dossier_is_read_without_a_valid_signature(site: Site,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.documents import verification

    def looked_up(*args: Any) -> None:
        raise AssertionError("a dossier was looked up for an unsigned payload")

    monkeypatch.setattr(verification, "find_document", looked_up)
    payload = site.payload
    forged = payload[:-10] + ("B" if payload[-10] == "A" else "A") + payload[-9:]

    assert site.check(site.url.replace(payload, forged)).status_code == 404


# --- The explanation, the limit, the log --------------------------------------------------------


def test_verifier_without_a_reference_explains_how_to_verify(site: Site) -> None:
    response = site.client.get("/verifier")

    assert response.status_code == 200
    page = text_of(response)
    assert "Scannez" in page and "code QR" in page
    assert "teledossier verify FICHIER.pdf" in page
    assert site.checks() == []


def test_too_many_checks_from_one_address_are_refused_with_429(site: Site) -> None:
    for _ in range(30):
        assert site.check().status_code == 200

    refused = site.check()

    assert refused.status_code == 429
    assert "Trop de vérifications" in text_of(refused)
    assert "MARTIN" not in text_of(refused)
    assert 0 < int(refused.headers["Retry-After"]) <= 600
    assert site.check(address="198.51.100.7").status_code == 200  # another client goes on
    assert site.outcomes() == ["genuine"] * 30 + ["refused", "genuine"]


def test_each_check_is_logged_with_a_digest_of_the_address_never_the_address(
        site: Site) -> None:
    site.check(address="192.0.2.10")
    site.check(address="192.0.2.10")
    site.check(address="192.0.2.11")

    clients = [check.client for check in site.checks()]
    assert clients[0] == clients[1] != clients[2]
    assert all(len(client) == 16 and "192" not in client for client in clients)
    assert all(check.at is not None for check in site.checks())


def test_verification_pages_are_neither_cached_nor_indexed(site: Site) -> None:
    for response in (site.check(), site.check(f"/verifier/{site.reference}"),
                     site.client.get("/verifier")):
        assert response.headers["Cache-Control"] == "no-store"
        assert "noindex" in response.headers["X-Robots-Tag"]
        assert response.headers["Referrer-Policy"] == "no-referrer"


def test_page_answers_only_get(site: Site) -> None:
    assert site.client.post(site.url).status_code in (400, 405)
    assert site.checks() == []


# --- PostgreSQL ---------------------------------------------------------------------------------


@pytest.mark.postgres
def test_verification_on_postgresql(runtime_factory: Callable[..., Runtime], pg_url: str) -> None:
    site = make_site(runtime_factory(pg_url))
    payload = site.payload
    forged = payload[:-10] + ("B" if payload[-10] == "A" else "A") + payload[-9:]

    assert site.check().status_code == 200
    assert site.check(site.url.replace(payload, forged)).status_code == 404
    assert site.check(f"/verifier/{'X' * 40}?p=garbage").status_code == 404
    assert site.outcomes() == ["genuine", "forged", "forged"]
    with site.runtime.ctx.db.transaction() as session:
        assert session.scalar(select(DossierDocument.revoked_at)) is None
