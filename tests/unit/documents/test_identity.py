"""A commune's signing identity: generated keys and images, and checks of given material."""

from __future__ import annotations

import dataclasses
import io

import pytest
from PIL import Image

from pipeline.documents import CommuneIdentity, IdentityError, check_identity, generate_identity
from pipeline.documents.images import stamp_png


def test_generated_identity_is_consistent(identity: CommuneIdentity) -> None:
    check_identity(identity)

    assert len(identity.key_id) == 8
    trusted = identity.trusted()
    assert trusted.insee == "99999"
    assert b"PRIVATE" not in trusted.certificate_pem + trusted.qr_public_key_pem
    assert len(trusted.certificate_sha256) == 64


def test_generated_images_are_transparent_pngs(identity: CommuneIdentity) -> None:
    for png in (identity.stamp_png, identity.signature_png):
        image = Image.open(io.BytesIO(png))
        assert image.format == "PNG"
        assert image.mode == "RGBA"
    assert stamp_png("Démoville", "99999") == identity.stamp_png  # drawn the same each time


def test_mismatched_material_is_refused_in_french(identity: CommuneIdentity,
                                                  impostor: CommuneIdentity) -> None:
    swapped_key = dataclasses.replace(identity, signing_key_pem=impostor.signing_key_pem)
    wrong_id = dataclasses.replace(identity, key_id="00000000")
    rsa_like = dataclasses.replace(identity, signing_key_pem=identity.qr_private_key_pem)

    with pytest.raises(IdentityError, match="certificat ne correspond pas"):
        check_identity(swapped_key)
    with pytest.raises(IdentityError, match="identifiant de clé"):
        check_identity(wrong_id)
    with pytest.raises(IdentityError, match="ECDSA P-256"):
        check_identity(rsa_like)
    with pytest.raises(IdentityError, match="illisible"):
        check_identity(dataclasses.replace(identity, qr_private_key_pem=b"garbage"))


def test_two_generated_identities_never_share_keys(identity: CommuneIdentity) -> None:
    other = generate_identity("99998", "Autreville", "Paul Martin")

    assert other.key_id != identity.key_id
    assert other.certificate_pem != identity.certificate_pem
