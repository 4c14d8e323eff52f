"""``teledossier verify``, ``commune signing``, ``attestation revoke`` and the documents bench."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from PIL import Image
from sqlalchemy import func, select

from pipeline.demo import DEMO_INSEE, seed_demo_if_empty
from pipeline.documents import generate_identity, issue_attestation
from pipeline.documents.pdftext import page_text
from pipeline.documents.stored import dossier_facts
from pipeline.store.model import Commune, CommuneKey, CommuneSigning
from teledossier.bootstrap import Runtime
from tests.integration.conftest import Cli
from tests.integration.test_api import INSEE
from tests.integration.test_documents_api import (
    ISSUED_AT,
    dossier_by_reference,
    file_dossier,
    issue_stored_attestation,
    qr_url,
)
from web_minimal import create_app

KINDS = {"notice", "demande", "recepisse", "refus", "attestation", "xml", "package"}


@pytest.fixture
def runtime(runtime_factory: Callable[..., Runtime], database_url: str) -> Runtime:
    """A runtime on the CLI's own database, to file dossiers and look at rows."""
    return runtime_factory(database_url)


def attestation_file(runtime: Runtime, tmp_path: Path, name: str = "attestation.pdf") -> Path:
    """File a dossier, issue its attestation, and save the PDF as the citizen receives it."""
    path = tmp_path / name
    path.write_bytes(issue_stored_attestation(runtime.ctx, file_dossier(runtime.ctx)))
    return path


def signing_row(runtime: Runtime) -> CommuneSigning | None:
    with runtime.ctx.db.transaction() as session:
        commune_id = session.scalar(select(Commune.id).where(Commune.insee == INSEE))
        return session.get(CommuneSigning, commune_id)


def key_count(runtime: Runtime) -> int:
    with runtime.ctx.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(CommuneKey))


def png_file(path: Path, color: tuple[int, int, int, int] = (20, 40, 140, 255)) -> Path:
    out = io.BytesIO()
    Image.new("RGBA", (120, 60), color).save(out, format="PNG")
    path.write_bytes(out.getvalue())
    return path


def own_certificate(tmp_path: Path, name: str = "own") -> tuple[Path, Path]:
    """A commune's own ECDSA P-256 key and certificate, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Mairie de Nice"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Ville de Nice")])
    now = datetime.now(UTC)
    certificate = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - timedelta(days=1))
                   .not_valid_after(now + timedelta(days=3 * 365))
                   .sign(key, hashes.SHA256()))
    key_path, certificate_path = tmp_path / f"{name}-key.pem", tmp_path / f"{name}-cert.pem"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key_path, certificate_path


# --- teledossier verify -------------------------------------------------------------------------


def test_verify_genuine_attestation_exits_0_and_prints_its_facts(
        cli: Cli, runtime: Runtime, tmp_path: Path) -> None:
    path = attestation_file(runtime, tmp_path)

    code, out, err = cli("verify", str(path))

    assert code == 0, err
    assert out.startswith("AUTHENTIQUE")
    for shown in ("Nom : MARTIN", "Prénom(s) : Lucas", "Date de naissance : 12/01/2009",
                  "Commune : Nice", "Code INSEE : 06088", "Délivrée le : 12/03/2026",
                  "généré par Télédossier"):
        assert shown in out


def test_verify_modified_attestation_exits_1_with_the_reason(
        cli: Cli, runtime: Runtime, tmp_path: Path) -> None:
    path = attestation_file(runtime, tmp_path)
    altered = bytearray(path.read_bytes())
    altered[len(altered) // 3] ^= 0x01
    path.write_bytes(bytes(altered))

    code, out, err = cli("verify", str(path))

    assert code == 1
    assert err.startswith("NON AUTHENTIQUE")
    assert "modifié" in err
    assert out == ""


def test_verify_attestation_of_a_commune_unknown_here_exits_1(
        cli: Cli, runtime: Runtime, tmp_path: Path) -> None:
    ctx = runtime.ctx
    reference = file_dossier(ctx)
    with ctx.db.transaction() as session:
        facts = dossier_facts(dossier_by_reference(session, reference))
    stranger = generate_identity(INSEE, "Nice", "Faux Maire")
    path = tmp_path / "faux.pdf"
    path.write_bytes(issue_attestation(facts, stranger, issued_at=ISSUED_AT,
                                       public_url="http://faux.test"))

    code, _, err = cli("verify", str(path))

    assert code == 1
    assert "pas signé par une commune connue" in err


@pytest.mark.parametrize(("content", "reason"), [
    (None, "Impossible de lire le fichier"),
    (b"ceci n'est pas un PDF", "n'est pas un PDF lisible"),
])
def test_verify_unreadable_file_exits_1(cli: Cli, tmp_path: Path, content: bytes | None,
                                        reason: str) -> None:
    path = tmp_path / "document.pdf"
    if content is not None:
        path.write_bytes(content)

    code, _, err = cli("verify", str(path))

    assert code == 1
    assert reason in err


# --- teledossier commune signing ----------------------------------------------------------------


def test_signing_status_of_a_commune_without_identity(cli: Cli, runtime: Runtime) -> None:
    out = cli.ok("commune", "signing", "--insee", INSEE)

    assert "aucune identité de signature" in out
    assert signing_row(runtime) is None  # showing never creates one


def test_signing_sets_the_mayor_and_the_images(cli: Cli, runtime: Runtime,
                                               tmp_path: Path) -> None:
    stamp = png_file(tmp_path / "tampon.png")
    signature = png_file(tmp_path / "signature.png", (0, 0, 0, 255))

    out = cli.ok("commune", "signing", "--insee", INSEE, "--mayor-name", "Jeanne  Dupré-Lefèvre",
                 "--stamp", str(stamp), "--signature", str(signature))

    assert "maire : Jeanne Dupré-Lefèvre" in out
    assert "tampon : image PNG" in out and "signature : image PNG" in out
    assert "certificat : généré par Télédossier (autosigné)" in out
    assert "validité : du " in out
    row = signing_row(runtime)
    assert row is not None
    assert (row.stamp_png, row.signature_png) == (stamp.read_bytes(), signature.read_bytes())
    shown = cli.ok("commune", "signing", "--insee", INSEE)
    assert f"clé du code QR : {row.key_id}" in shown
    # The next attestation carries the mayor's name, and still verifies.
    path = attestation_file(runtime, tmp_path)
    assert "Jeanne Dupré-Lefèvre" in page_text(path.read_bytes())
    assert cli("verify", str(path))[0] == 0


@pytest.mark.parametrize(("content", "reason"), [
    (b"GIF89a pas un PNG", "n'est pas une image PNG"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR tronque", "image PNG endommagée"),
])
def test_signing_refuses_an_image_that_is_not_a_sound_png(
        cli: Cli, runtime: Runtime, tmp_path: Path, content: bytes, reason: str) -> None:
    cli.ok("commune", "signing", "--insee", INSEE, "--mayor-name", "Jeanne Dupré")
    before = signing_row(runtime)
    image = tmp_path / "tampon.png"
    image.write_bytes(content)

    code, _, err = cli("commune", "signing", "--insee", INSEE, "--mayor-name", "Autre Nom",
                       "--stamp", str(image))

    assert code == 1
    assert reason in err
    after = signing_row(runtime)
    assert after is not None and before is not None
    assert (after.mayor_name, after.stamp_png) == ("Jeanne Dupré", before.stamp_png)


def test_signing_with_the_communes_own_key_and_certificate(
        cli: Cli, runtime: Runtime, tmp_path: Path) -> None:
    earlier = attestation_file(runtime, tmp_path, "avant.pdf")
    old_key = signing_row(runtime).key_id  # type: ignore[union-attr]
    key, certificate = own_certificate(tmp_path)

    out = cli.ok("commune", "signing", "--insee", INSEE, "--signing-key", str(key),
                 "--certificate", str(certificate))

    assert "certificat : fourni par la commune" in out
    assert "CN=Mairie de Nice" in out
    row = signing_row(runtime)
    assert row is not None and row.key_id != old_key and not row.generated
    assert row.certificate_pem == certificate.read_bytes()
    assert f"clés précédentes, toujours acceptées pour les attestations déjà délivrées : " \
           f"{old_key}" in out
    # Attestations issued before still verify; new ones are signed with the commune's own.
    assert cli("verify", str(earlier))[0] == 0
    code, shown, _ = cli("verify", str(attestation_file(runtime, tmp_path, "apres.pdf")))
    assert code == 0
    assert "Certificat : fourni par la commune" in shown


@pytest.mark.parametrize("problem", ["mismatch", "alone", "not-pem", "generate-too"])
def test_signing_refuses_a_bad_key_and_changes_nothing(
        cli: Cli, runtime: Runtime, tmp_path: Path, problem: str) -> None:
    cli.ok("commune", "signing", "--insee", INSEE, "--mayor-name", "Jeanne Dupré")
    before, keys = signing_row(runtime), key_count(runtime)
    key, certificate = own_certificate(tmp_path)
    other_key, _ = own_certificate(tmp_path, "autre")
    garbage = tmp_path / "cle.pem"
    garbage.write_text("pas une clé")
    args, reason = {
        "mismatch": (["--signing-key", str(other_key), "--certificate", str(certificate)],
                     "Le certificat ne correspond pas à la clé de signature"),
        "alone": (["--signing-key", str(key)], "--signing-key et --certificate vont ensemble"),
        "not-pem": (["--signing-key", str(garbage), "--certificate", str(certificate)],
                    "La clé privée est illisible"),
        "generate-too": (["--generate", "--signing-key", str(key), "--certificate",
                          str(certificate)], "--generate crée une clé"),
    }[problem]

    code, _, err = cli("commune", "signing", "--insee", INSEE, *args)

    assert code == 1
    assert err.startswith("Erreur : ")
    assert reason in err
    after = signing_row(runtime)
    assert after is not None and before is not None
    assert (after.key_id, after.certificate_pem, after.generated) == (
        before.key_id, before.certificate_pem, before.generated)
    assert key_count(runtime) == keys


def test_generate_renews_the_keys_and_old_attestations_still_verify(
        cli: Cli, runtime: Runtime, tmp_path: Path) -> None:
    stamp = png_file(tmp_path / "tampon.png")
    cli.ok("commune", "signing", "--insee", INSEE, "--mayor-name", "Jeanne Dupré",
           "--stamp", str(stamp))
    earlier = attestation_file(runtime, tmp_path, "avant.pdf")
    before = signing_row(runtime)
    assert before is not None

    out = cli.ok("commune", "signing", "--insee", INSEE, "--generate")

    after = signing_row(runtime)
    assert after is not None
    assert after.key_id != before.key_id and after.certificate_pem != before.certificate_pem
    assert (after.mayor_name, after.stamp_png, after.signature_png) == (
        "Jeanne Dupré", stamp.read_bytes(), before.signature_png)
    assert "maire : Jeanne Dupré" in out
    assert before.key_id in out  # listed among the former keys
    assert cli("verify", str(earlier))[0] == 0
    assert cli("verify", str(attestation_file(runtime, tmp_path, "apres.pdf")))[0] == 0


def test_signing_of_an_unknown_commune_is_an_error(cli: Cli) -> None:
    code, _, err = cli("commune", "signing", "--insee", "13055", "--mayor-name", "X")

    assert code == 1
    assert "aucune commune 13055" in err


# --- teledossier attestation revoke -------------------------------------------------------------


def test_revoked_attestation_is_said_revoked_by_the_verification_page(
        cli: Cli, runtime: Runtime, tmp_path: Path) -> None:
    ctx = runtime.ctx
    reference = file_dossier(ctx)
    url = urlsplit(qr_url(issue_stored_attestation(ctx, reference)))
    client = create_app(runtime, {"TESTING": True}).test_client()
    assert "Attestation authentique" in client.get(f"{url.path}?{url.query}").get_data(
        as_text=True)

    out = cli.ok("attestation", "revoke", reference.lower())

    assert f"Attestation du dossier {reference} révoquée le" in out
    page = " ".join(client.get(f"{url.path}?{url.query}").get_data(as_text=True).split())
    assert "Attestation révoquée le" in page
    again = cli.ok("attestation", "revoke", reference)
    assert "déjà révoquée le" in again


def test_revoking_without_an_attestation_is_an_error(cli: Cli, runtime: Runtime) -> None:
    reference = file_dossier(runtime.ctx)

    for value, reason in ((reference, "n'a pas d'attestation"),
                          ("TD-7K3M9QXAX", "aucun dossier TD-7K3M9QXAX"),
                          ("n'importe quoi", "référence invalide")):
        code, _, err = cli("attestation", "revoke", value)
        assert code == 1
        assert reason in err


# --- The demo commune and the bench -------------------------------------------------------------


def test_demo_commune_has_a_generated_identity_with_a_mayor(
        database_url: str, runtime: Runtime, capsys: pytest.CaptureFixture[str]) -> None:
    assert seed_demo_if_empty(runtime.ctx) is not None

    out = Cli(capsys).ok("commune", "signing", "--insee", DEMO_INSEE)

    assert "maire : Camille Martin" in out
    assert "certificat : généré par Télédossier (autosigné)" in out
    assert "tampon : image PNG" in out and "signature : image PNG" in out


def test_bench_documents_prints_one_line_per_kind_then_the_summary(cli: Cli) -> None:
    out = cli.ok("bench", "--mode", "documents", "--dossiers", "3")

    lines = [json.loads(line) for line in out.splitlines()]
    assert {line["kind"] for line in lines[:-1]} == KINDS
    assert all(line["documents"] == 3 and line["per_s"] > 0 for line in lines[:-1])
    summary = lines[-1]
    assert summary["mode"] == "documents" and summary["dossiers"] == 3
    assert {"per_s", "p50_ms", "p95_ms", "p99_ms", "notice_per_s",
            "attestation_per_s"} <= set(summary)
