"""The QR payload: compact, signed with the commune's Ed25519 key, refused when touched."""

from __future__ import annotations

import base64
import re
from datetime import date

from pipeline.documents import CommuneIdentity, QrFacts, sign_qr_payload, verify_qr_payload
from pipeline.documents.identity import load_qr_private_key
from pipeline.documents.qr import caption, payload_from_url, verification_url
from pipeline.documents.qrdraw import qr_matrix

FACTS = QrFacts(reference="TD-ABCDEFGH7", family_name="MARTIN-ÉTIENNE",
                first_names="Lucas, Pierre Jean", birth_date=date(2010, 1, 15),
                commune_insee="99999", issued_on=date(2026, 3, 12), key_id="")


def signed(identity: CommuneIdentity, **changes: object) -> str:
    facts = QrFacts(**{**FACTS.__dict__, "key_id": identity.key_id, **changes})
    return sign_qr_payload(facts, load_qr_private_key(identity.qr_private_key_pem))


def test_payload_round_trips_with_the_public_key_alone(identity: CommuneIdentity) -> None:
    payload = signed(identity)

    checked = verify_qr_payload(payload, identity.trusted().qr_public_key_pem)

    assert checked == QrFacts(**{**FACTS.__dict__, "key_id": identity.key_id})
    assert re.fullmatch(r"[A-Za-z0-9_-]+", payload)
    raw = base64.urlsafe_b64decode(payload + "==")
    texts = sum(1 + len(t.encode()) for t in (FACTS.reference, FACTS.family_name,
                                              FACTS.first_names))
    assert len(raw) == 1 + 4 + 3 + 3 + 5 + texts + 64  # 128 bytes: 171 characters


def test_unknown_birth_date_travels_as_none(identity: CommuneIdentity) -> None:
    checked = verify_qr_payload(signed(identity, birth_date=None), identity.trusted()
                                .qr_public_key_pem)

    assert isinstance(checked, QrFacts)
    assert checked.birth_date is None


def test_payload_signed_by_another_key_is_refused(identity: CommuneIdentity,
                                                  impostor: CommuneIdentity) -> None:
    reason = verify_qr_payload(signed(impostor), identity.trusted().qr_public_key_pem)

    assert reason == "Le code de vérification n'est pas signé par la commune : il a été falsifié."


def test_any_changed_byte_is_refused(identity: CommuneIdentity) -> None:
    raw = bytearray(base64.urlsafe_b64decode(signed(identity) + "=="))
    public = identity.trusted().qr_public_key_pem
    for index in (0, 6, 20, len(raw) - 1):
        changed = bytearray(raw)
        changed[index] ^= 0x01
        payload = base64.urlsafe_b64encode(bytes(changed)).rstrip(b"=").decode()

        assert isinstance(verify_qr_payload(payload, public), str)


def test_garbage_and_truncated_payloads_are_refused_with_a_reason(
        identity: CommuneIdentity) -> None:
    public = identity.trusted().qr_public_key_pem
    for payload in ("", "not base64!", "AAAA", signed(identity)[:-10], "A" * 5000):
        reason = verify_qr_payload(payload, public)

        assert isinstance(reason, str)
        assert reason.startswith("Le code de vérification")


def test_url_carries_the_payload_to_the_verification_page(identity: CommuneIdentity) -> None:
    payload = signed(identity)

    url = verification_url("https://teledossier.demoville.test/", "TD-ABCDEFGH7", payload)

    assert url == f"https://teledossier.demoville.test/verifier/TD-ABCDEFGH7?p={payload}"
    assert payload_from_url(url) == payload
    assert payload_from_url("https://teledossier.demoville.test/verifier/TD-X") is None


def test_caption_names_what_the_code_vouches_for() -> None:
    assert caption("TD-ABCDEFGH7", date(2026, 3, 12), "99999", "0a1b2c3d") == (
        "Référence : TD-ABCDEFGH7 — délivrée le 12/03/2026 — commune 99999 — clé 0a1b2c3d")


def test_qr_matrix_of_an_attestation_url_stays_small(identity: CommuneIdentity) -> None:
    url = verification_url("https://teledossier.demoville.test", "TD-ABCDEFGH7",
                           signed(identity))

    matrix = qr_matrix(url)

    assert len(matrix) <= 61  # version 11 at most for ordinary names
