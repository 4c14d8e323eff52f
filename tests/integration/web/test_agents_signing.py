"""« Signature des attestations » on the commune admin's page: mayor, images, keys."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from PIL import Image
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from pipeline.documents import verify_attestation
from pipeline.documents.stored import trusted_communes
from pipeline.store.model import CommuneKey, CommuneSigning
from teledossier.bootstrap import Runtime
from tests.integration.test_documents_api import file_dossier, issue_stored_attestation
from tests.integration.web.test_agents import (
    ADMIN,
    AGENT,
    NOW,
    OPERATOR,
    Desk,
    csrf_of,
    make_desk,
    text_of,
)

ADMIN_PAGE = "/gestion/administration"
SECTION = f"{ADMIN_PAGE}/attestations"


@pytest.fixture
def desk(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> Desk:
    desk = make_desk(runtime_factory, sqlite_url)
    desk.login(ADMIN)
    return desk


def png(color: tuple[int, int, int, int] = (20, 40, 140, 255)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (120, 60), color).save(out, format="PNG")
    return out.getvalue()


def own_certificate(now: datetime = NOW) -> tuple[bytes, bytes]:
    """A commune's own ECDSA P-256 key and self-signed certificate, as PEM, valid at ``now``."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Mairie de Nice"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Ville de Nice")])
    certificate = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - timedelta(days=1))
                   .not_valid_after(now + timedelta(days=3 * 365))
                   .sign(key, hashes.SHA256()))
    return (key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()),
            certificate.public_bytes(serialization.Encoding.PEM))


def signing_post(desk: Desk, path: str, data: dict[str, Any] | None = None) -> TestResponse:
    """POST a form of the section (files as ``(bytes, name)``), with the page's CSRF token."""
    fields = {name: (io.BytesIO(value[0]), value[1]) if isinstance(value, tuple) else value
              for name, value in (data or {}).items()}
    return desk.post(f"{SECTION}{path}", fields, form_page=ADMIN_PAGE,
                     content_type="multipart/form-data")


def row(desk: Desk) -> CommuneSigning | None:
    with desk.ctx.db.transaction() as session:
        return session.get(CommuneSigning, desk.commune_id)


def key_count(desk: Desk) -> int:
    with desk.ctx.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(CommuneKey)) or 0


def section(page: str) -> str:
    """The page's « Signature des attestations », its whitespace folded."""
    return " ".join(page[page.index("Signature des attestations"):].split())


def shown(page: str) -> str:
    """The words of the section as read, without the markup."""
    return " ".join(re.sub(r"<[^>]+>", " ", section(page)).split())


def test_admin_sees_the_signing_status_and_its_forms(desk: Desk) -> None:
    before = section(text_of(desk.client.get(ADMIN_PAGE)))
    assert "Aucune identité de signature pour l'instant" in before
    assert row(desk) is None  # showing never creates one
    for action in ("maire", "tampon", "signature", "certificat", "nouvelles-cles"):
        assert f'action="{SECTION}/{action}"' in before
    assert before.count('enctype="multipart/form-data"') == 3

    issue_stored_attestation(desk.ctx, file_dossier(desk.ctx))  # generates the identity
    page = section(text_of(desk.client.get(ADMIN_PAGE)))
    words = shown(page)

    stored = row(desk)
    assert stored is not None
    assert "Maire (non renseigné)" in words
    assert f"Clé du code QR {stored.key_id}" in words
    assert "certificat généré par Télédossier (autosigné), valable du 11/03/2026 au" in words
    assert f'src="{SECTION}/tampon.png"' in page and f'src="{SECTION}/signature.png"' in page
    image = desk.client.get(f"{SECTION}/tampon.png")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.data == stored.stamp_png


def test_admin_sets_the_mayors_name(desk: Desk) -> None:
    response = signing_post(desk, "/maire", {"maire": "  Jeanne   Dupré-Lefèvre "})

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/gestion/administration#signature-attestations")
    stored = row(desk)
    assert stored is not None and stored.mayor_name == "Jeanne Dupré-Lefèvre"
    page = text_of(desk.client.get(ADMIN_PAGE))
    assert "Nom du maire enregistré : Jeanne Dupré-Lefèvre." in page
    assert "Maire Jeanne Dupré-Lefèvre" in shown(page)
    assert 'value="Jeanne Dupré-Lefèvre"' in page


def test_a_blank_mayors_name_is_refused_beside_the_field(desk: Desk) -> None:
    signing_post(desk, "/maire", {"maire": "Jeanne Dupré"})

    response = signing_post(desk, "/maire", {"maire": "   "})

    assert response.status_code == 422
    page = text_of(response)
    assert ('<span class="erreur" id="erreur-maire" role="alert">Le nom du maire doit compter '
            'de 1 à 200 caractères.</span>') in page
    assert 'aria-describedby="aide-maire erreur-maire" aria-invalid="true"' in page
    assert row(desk).mayor_name == "Jeanne Dupré"  # type: ignore[union-attr]


def test_admin_uploads_the_stamp_and_the_signature(desk: Desk) -> None:
    stamp, signature = png(), png((0, 0, 0, 255))

    done = signing_post(desk, "/tampon", {"tampon": (stamp, "tampon.png")})
    signed = signing_post(desk, "/signature", {"signature": (signature, "signature.png")})

    assert (done.status_code, signed.status_code) == (303, 303)
    stored = row(desk)
    assert stored is not None and (stored.stamp_png, stored.signature_png) == (stamp, signature)
    assert "Signature du maire enregistrée." in text_of(desk.client.get(ADMIN_PAGE))
    assert desk.client.get(f"{SECTION}/tampon.png").data == stamp
    assert desk.client.get(f"{SECTION}/signature.png").data == signature


@pytest.mark.parametrize(("content", "reason"), [
    (b"GIF89a pas un PNG", "Le fichier tampon.gif n'est pas une image PNG."),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR tronque",
     "Le fichier tampon.gif est une image PNG endommagée."),
])
def test_a_file_that_is_not_a_png_is_refused_and_changes_nothing(
        desk: Desk, content: bytes, reason: str) -> None:
    signing_post(desk, "/tampon", {"tampon": (png(), "tampon.png")})
    before = row(desk)

    response = signing_post(desk, "/tampon", {"tampon": (content, "tampon.gif")})

    assert response.status_code == 422
    page = text_of(response)
    assert f'<span class="erreur" id="erreur-tampon" role="alert">{reason}</span>' in page
    assert '<p class="champ-en-erreur">' in page
    after = row(desk)
    assert before is not None and after is not None
    assert (after.stamp_png, after.key_id, after.updated_at) == (
        before.stamp_png, before.key_id, before.updated_at)


def test_an_upload_without_a_file_says_so(desk: Desk) -> None:
    response = signing_post(desk, "/signature")

    assert response.status_code == 422
    assert "Choisissez une image PNG." in text_of(response)
    assert row(desk) is None


def test_admin_uploads_the_communes_own_key_and_certificate(desk: Desk) -> None:
    signing_post(desk, "/maire", {"maire": "Jeanne Dupré"})
    old_key = row(desk).key_id  # type: ignore[union-attr]
    key, certificate = own_certificate()

    response = signing_post(desk, "/certificat", {"cle": (key, "cle.pem"),
                                                  "certificat": (certificate, "cert.pem")})

    assert response.status_code == 303
    stored = row(desk)
    assert stored is not None and not stored.generated and stored.certificate_pem == certificate
    assert stored.mayor_name == "Jeanne Dupré"
    page = shown(text_of(desk.client.get(ADMIN_PAGE)))
    assert "certificat de la commune, valable du 11/03/2026 au" in page
    assert "autosigné" not in page.split("Certificat", 1)[1].split("Titulaire")[0]
    assert "CN=Mairie de Nice" in page
    assert f"Clés précédentes {old_key} (toujours acceptées" in page
    signed = issue_stored_attestation(desk.ctx, file_dossier(desk.ctx))
    verdict = verify_attestation(signed, trusted_of(desk))
    assert verdict.genuine, verdict.reason


@pytest.mark.parametrize("problem", ["mismatch", "not-pem", "expired", "alone"])
def test_a_bad_key_or_certificate_is_refused_and_changes_nothing(desk: Desk,
                                                                 problem: str) -> None:
    signing_post(desk, "/maire", {"maire": "Jeanne Dupré"})
    before, keys = row(desk), key_count(desk)
    key, certificate = own_certificate()
    other_key, _ = own_certificate()
    old_key, old_certificate = own_certificate(NOW - timedelta(days=4 * 365))
    files, field, reason = {
        "mismatch": ({"cle": (other_key, "cle.pem"), "certificat": (certificate, "cert.pem")},
                     "certificat", "Le certificat ne correspond pas à la clé de signature."),
        "not-pem": ({"cle": (b"pas une cle", "cle.pem"), "certificat": (certificate, "c.pem")},
                    "cle", "La clé privée est illisible"),
        "expired": ({"cle": (old_key, "cle.pem"), "certificat": (old_certificate, "c.pem")},
                    "certificat", "Le certificat a expiré le "),
        "alone": ({"cle": (key, "cle.pem")}, "certificat", "Choisissez un fichier PEM."),
    }[problem]

    response = signing_post(desk, "/certificat", files)

    assert response.status_code == 422
    found = re.search(rf'<span class="erreur" id="erreur-{field}" role="alert">([^<]*)</span>',
                      text_of(response))
    assert found and reason in found.group(1)
    after = row(desk)
    assert before is not None and after is not None
    assert (after.key_id, after.certificate_pem, after.generated) == (
        before.key_id, before.certificate_pem, before.generated)
    assert key_count(desk) == keys


def test_new_keys_are_asked_first_and_earlier_attestations_stay_verifiable(desk: Desk) -> None:
    stamp = png()
    signing_post(desk, "/maire", {"maire": "Jeanne Dupré"})
    signing_post(desk, "/tampon", {"tampon": (stamp, "tampon.png")})
    earlier = issue_stored_attestation(desk.ctx, file_dossier(desk.ctx))
    before = row(desk)
    assert before is not None

    asked = signing_post(desk, "/nouvelles-cles")

    assert asked.status_code == 200
    assert "Générer de nouvelles clés de signature ?" in text_of(asked)
    assert "Les attestations déjà délivrées restent vérifiables" in text_of(asked)
    assert row(desk).key_id == before.key_id  # type: ignore[union-attr]

    done = desk.client.post(f"{SECTION}/nouvelles-cles", data={
        "csrf_token": csrf_of(text_of(asked)), "confirme": "oui"})

    assert done.status_code == 303
    after = row(desk)
    assert after is not None and after.generated
    assert after.key_id != before.key_id and after.certificate_pem != before.certificate_pem
    assert (after.mayor_name, after.stamp_png) == ("Jeanne Dupré", stamp)
    page = shown(text_of(desk.client.get(ADMIN_PAGE)))
    assert f"Clé du code QR {after.key_id}" in page
    assert f"Clés précédentes {before.key_id} (toujours acceptées" in page
    assert verify_attestation(earlier, trusted_of(desk)).genuine
    later = issue_stored_attestation(desk.ctx, file_dossier(desk.ctx))
    assert verify_attestation(later, trusted_of(desk)).genuine


def trusted_of(desk: Desk) -> list[Any]:
    with desk.ctx.db.transaction() as session:
        return trusted_communes(session)


@pytest.mark.parametrize("who", [AGENT, OPERATOR])
def test_agents_and_operators_get_403(desk: Desk, who: str) -> None:
    signing_post(desk, "/tampon", {"tampon": (png(), "tampon.png")})
    client = desk.new_client()
    desk.login(who, client=client)
    token = csrf_of(text_of(client.get("/gestion/connexion")))

    for image in ("tampon", "signature"):
        assert client.get(f"{SECTION}/{image}.png").status_code == 403
    for action in ("maire", "tampon", "signature", "certificat", "nouvelles-cles"):
        response = client.post(f"{SECTION}/{action}", data={
            "csrf_token": token, "maire": "Intrus", "confirme": "oui"})
        assert response.status_code == 403, action
    stored = row(desk)
    assert stored is not None and stored.mayor_name == "" and key_count(desk) == 1


def test_anonymous_is_sent_to_the_login(desk: Desk) -> None:
    response = desk.new_client().get(f"{SECTION}/signature.png")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/gestion/connexion")


def test_images_are_404_until_set(desk: Desk) -> None:
    assert desk.client.get(f"{SECTION}/tampon.png").status_code == 404
    assert desk.client.get(f"{SECTION}/autre.png").status_code == 404


def test_a_post_without_the_csrf_token_is_refused(desk: Desk) -> None:
    response = desk.client.post(f"{SECTION}/maire", data={"maire": "Jeanne Dupré"})
    upload = desk.client.post(f"{SECTION}/tampon", data={"tampon": (io.BytesIO(png()), "t.png")},
                              content_type="multipart/form-data")

    assert (response.status_code, upload.status_code) == (400, 400)
    assert row(desk) is None
