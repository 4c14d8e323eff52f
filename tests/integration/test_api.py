"""The JSON API over Flask's test client: submission, follow-up, actions, errors, probes."""

from __future__ import annotations

import base64
import io
import struct
import time
import zlib
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from pipeline.commands.communes import create_commune, issue_token
from pipeline.settings import Settings
from pipeline.store.model import ApiToken, Blob, Dossier
from teledossier.bootstrap import Runtime, build_runtime
from tests.pdfs import ONE_PAGE
from web_minimal import JSON_PREFIXES, create_app

INSEE = "06088"
OTHER_INSEE = "13055"
DOSSIERS = "/api/v1/dossiers"
#: Long enough for the in-process worker to take a dossier through intake and validation.
PIPELINE_TIMEOUT_SECONDS = 30

#: A one-page PDF: what the attachment check takes as a scan.
PDF = ONE_PAGE


def png() -> bytes:
    """A 1×1 PNG: signature, IHDR, IDAT and IEND chunks."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x00")
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)
            + chunk(b"IEND", b""))


def rco_data(national: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "Personne": {
            "Civilite": "M",
            "Sexe": "1",
            "NomFamille": "MARTIN",
            "PrenomUsuel": "Lucas",
            "DateNaissance": "12/01/2009",
            "PaysNaissance": "FRA",
            "LieuNaissance": {"Code": "COMMUNE", "Nom": "Nice"},
            "AdresseDomicile": {"NumeroVoie": "3", "NomVoie": "rue des Lilas",
                                "CodePostal": "06000", "Localite": "Nice", "CodeINSEE": INSEE},
            "MethodeContact": [{"URI": "lucas.martin@example.org", "CanalCode": "EMAIL"}],
        },
        "FiliationPere": {"NomFamille": "MARTIN", "PrenomUsuel": "Paul"},
    }
    if national:
        data["Formalite"] = {"Identifiant": national, "FormaliteType": "DECL"}
    return data


def attachment(kind: str, content: bytes, filename: str = "scan.pdf") -> dict[str, str]:
    return {"kind": kind, "filename": filename,
            "content_base64": base64.b64encode(content).decode()}


def rco_body(national: str | None = None) -> dict[str, Any]:
    return {
        "demarche": "RecensementCitoyen",
        "data": rco_data(national),
        "attachments": [attachment("justificatif_identite", PDF, "cni.pdf"),
                        attachment("livret_famille", png(), "livret.png")],
    }


RCO_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<RecensementCitoyen>
  <Convention/>
  <Formalite>
    <Identifiant>A-9-NKT2G5KB</Identifiant>
    <FormaliteType>DECL</FormaliteType>
    <FormaliteMotifCode>RECENSEMENT</FormaliteMotifCode>
  </Formalite>
  <Personne>
    <Civilite>MME</Civilite>
    <Sexe>2</Sexe>
    <NomFamille>DURAND</NomFamille>
    <PrenomUsuel>Chlo\xc3\xa9</PrenomUsuel>
    <DateNaissance>03/04/2009</DateNaissance>
    <LieuNaissance><Code>COMMUNE</Code><Nom>Nice</Nom></LieuNaissance>
    <AdresseDomicile>
      <CodePostal>06000</CodePostal><Localite>Nice</Localite><CodeINSEE>06088</CodeINSEE>
    </AdresseDomicile>
    <MethodeContact><URI>chloe.durand@example.org</URI><CanalCode>EMAIL</CanalCode></MethodeContact>
    <MethodeContact><URI>0600000000</URI><CanalCode>TEL</CanalCode></MethodeContact>
  </Personne>
  <FiliationMere><NomFamille>DURAND</NomFamille></FiliationMere>
</RecensementCitoyen>
"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE RecensementCitoyen [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<RecensementCitoyen><Personne><NomFamille>&lol4;</NomFamille></Personne></RecensementCitoyen>
"""


# --- Fixtures and helpers -------------------------------------------------------------------


class Api:
    """A test client that knows the commune's tokens."""

    def __init__(self, runtime: Runtime, client: FlaskClient) -> None:
        self.runtime = runtime
        self.client = client
        self.token = issue_token(runtime.ctx, INSEE)
        self.submit_only = issue_token(runtime.ctx, INSEE, ("submit",))

    def auth(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.token}"}

    def submit(self, body: Any, token: str | None = None, path: str = DOSSIERS) -> Any:
        return self.client.post(path, json=body, headers=self.auth(token))

    def get(self, reference: str, token: str | None = None) -> Any:
        return self.client.get(f"{DOSSIERS}/{reference}", headers=self.auth(token))

    def act(self, reference: str, action: str, comment: str | None = None,
            token: str | None = None) -> Any:
        body = {"action": action} if comment is None else {"action": action, "comment": comment}
        return self.client.post(f"{DOSSIERS}/{reference}/actions", json=body,
                                headers=self.auth(token))

    def count(self, model: type) -> int:
        with self.runtime.ctx.db.transaction() as session:
            return session.scalar(select(func.count()).select_from(model))

    def assert_nothing_stored(self) -> None:
        assert self.count(Dossier) == 0
        assert self.count(Blob) == 0

    def wait_for_status(self, reference: str, wanted: str) -> dict[str, Any]:
        deadline = time.monotonic() + PIPELINE_TIMEOUT_SECONDS
        shown: dict[str, Any] = {}
        while time.monotonic() < deadline:
            shown = self.get(reference).get_json()
            if shown["status"] == wanted:
                return shown
            time.sleep(0.1)
        raise AssertionError(f"{reference} still {shown.get('status')}, never {wanted}")


def make_api(runtime: Runtime, **config: Any) -> Api:
    create_commune(runtime.ctx, insee=INSEE, name="Nice", agents_email="agents@nice.example")
    app = create_app(runtime, {"TESTING": True, **config})
    return Api(runtime, app.test_client())


@pytest.fixture
def runtime(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> Runtime:
    return runtime_factory(sqlite_url)


@pytest.fixture
def api(runtime: Runtime) -> Api:
    return make_api(runtime)


def start_pipeline(runtime: Runtime) -> None:
    runtime.start_relay()
    runtime.start_worker()


def field_messages(response: Any) -> dict[str, str]:
    return {f["field"]: f["message"] for f in response.get_json()["fields"]}


def submitted_reference(api: Api) -> str:
    response = api.submit(rco_body())
    assert response.status_code == 201, response.get_json()
    return response.get_json()["reference"]


def transmitted_reference(api: Api) -> str:
    reference = submitted_reference(api)
    start_pipeline(api.runtime)
    api.wait_for_status(reference, "transmitted")
    return reference


# --- Submission and follow-up ---------------------------------------------------------------


def test_json_dossier_is_taken_in_then_transmitted_by_the_pipeline(api: Api) -> None:
    response = api.submit(rco_body())

    assert response.status_code == 201
    body = response.get_json()
    assert body["reference"].startswith("TD-")
    assert response.headers["Location"] == body["status_url"]
    shown = api.client.get(urlsplit(body["status_url"]).path, headers=api.auth()).get_json()
    assert shown["status"] == "submitted"
    assert shown["demarche"] == "RecensementCitoyen"
    assert shown["outcome"] is None
    first = shown["history"][0]
    assert (first["action"], first["from_status"], first["to_status"]) == (
        "submit", None, "submitted")
    assert first["channel"] == "api" and first["actor"].startswith("api:")

    start_pipeline(api.runtime)
    shown = api.wait_for_status(body["reference"], "transmitted")
    assert [e["to_status"] for e in shown["history"]] == ["submitted", "transmitted"]


def test_status_url_and_location_follow_the_public_url(
    runtime_factory: Callable[..., Runtime], sqlite_url: str,
) -> None:
    # Behind an HTTPS reverse proxy the process itself is reached over plain HTTP, locally.
    api = make_api(runtime_factory(sqlite_url, public_url="https://teledossier.demoville.fr/"))

    response = api.client.post(DOSSIERS, json=rco_body(), headers=api.auth(),
                               base_url="http://127.0.0.1:8000")

    assert response.status_code == 201
    reference = response.get_json()["reference"]
    expected = f"https://teledossier.demoville.fr/api/v1/dossiers/{reference}"
    assert response.get_json()["status_url"] == expected
    assert response.headers["Location"] == expected


def test_dossier_shows_the_validation_report_once_checked(api: Api) -> None:
    reference = submitted_reference(api)
    assert api.get(reference).get_json()["report"] is None  # not checked yet

    start_pipeline(api.runtime)
    shown = api.wait_for_status(reference, "transmitted")

    report = shown["report"]
    assert set(report) == {"missing", "flags", "refusal_motive", "late"}
    assert report["missing"] == [] and report["refusal_motive"] is None
    # Born in January 2009: filed after the normal period, a late census (régularisation).
    assert report["late"] is True
    assert [flag["code"] for flag in report["flags"]] == ["regularisation"]
    assert "régularisation" in report["flags"][0]["message"]
    acted = api.act(reference, "recu").get_json()
    assert acted["report"] == report


def test_multipart_xml_dossier_is_taken_in(api: Api) -> None:
    response = api.client.post(DOSSIERS, headers=api.auth(), data={
        "dossier": (io.BytesIO(RCO_XML), "dossier.xml", "application/xml"),
        "justificatif_identite": (io.BytesIO(PDF), "cni.pdf", "application/pdf"),
        "livret_famille": (io.BytesIO(png()), "livret.png", "image/png"),
    })

    assert response.status_code == 201, response.get_json()
    shown = api.get(response.get_json()["reference"]).get_json()
    assert shown["demarche"] == "RecensementCitoyen"
    assert shown["national_number"] == "A-9-NKT2G5KB"
    assert api.count(Blob) == 2


def test_same_national_dossier_posted_again_answers_200_with_the_same_reference(
    api: Api,
) -> None:
    first = api.submit(rco_body(national="A-9-ABCDEF12"))
    again = api.submit(rco_body(national="A-9-ABCDEF12"))

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert api.count(Dossier) == 1


def test_reference_is_accepted_whatever_its_case(api: Api) -> None:
    reference = submitted_reference(api)

    assert api.get(reference.lower()).status_code == 200


def test_trailing_slash_is_accepted(api: Api) -> None:
    response = api.submit(rco_body(), path=DOSSIERS + "/")
    assert response.status_code == 201
    reference = response.get_json()["reference"]

    assert api.client.get(f"{DOSSIERS}/{reference}/", headers=api.auth()).status_code == 200
    assert api.client.get("/healthz/").status_code == 200


# --- Refused submissions: 400, and nothing stored -------------------------------------------


def test_malformed_json_is_refused(api: Api) -> None:
    response = api.client.post(DOSSIERS, data=b'{"demarche": "RecensementCitoyen",',
                               content_type="application/json", headers=api.auth())

    assert response.status_code == 400
    assert "JSON illisible" in field_messages(response)["body"]
    api.assert_nothing_stored()


def test_bad_base64_is_refused(api: Api) -> None:
    body = rco_body()
    body["attachments"][1]["content_base64"] = "ceci n'est pas du base64!"

    response = api.submit(body)

    assert response.status_code == 400
    assert field_messages(response) == {
        "attachments[1].content_base64": "le contenu n'est pas du base64 valide"}
    api.assert_nothing_stored()


def test_attachment_that_is_not_pdf_jpeg_or_png_is_refused(api: Api) -> None:
    body = rco_body()
    body["attachments"][0] = attachment("justificatif_identite", b"MZ\x90\x00binary", "cni.exe")

    response = api.submit(body)

    assert response.status_code == 400
    assert "PDF, un JPEG ou un PNG" in field_messages(response)["attachments[0]"]
    api.assert_nothing_stored()


def test_unknown_demarche_is_refused(api: Api) -> None:
    body = rco_body()
    body["demarche"] = "PermisDeConstruire"

    response = api.submit(body)

    assert response.status_code == 400
    assert "démarche inconnue" in field_messages(response)["demarche"]
    api.assert_nothing_stored()


def test_missing_fields_are_each_named(api: Api) -> None:
    response = api.submit({"attachments": [{"filename": "x.pdf"}]})

    assert response.status_code == 400
    assert set(field_messages(response)) == {
        "demarche", "data", "attachments[0].kind", "attachments[0].content_base64"}
    api.assert_nothing_stored()


def test_data_and_file_errors_are_reported_together(api: Api) -> None:
    body = rco_body()
    body["data"]["Personne"]["DateNaissance"] = "31/02/2009"
    body["data"]["Personne"]["AdresseDomicile"]["CodePostal"] = "6000"
    body["attachments"][1] = attachment("livret_famille", b"%PDF-1.4 truncated", "livret.pdf")

    response = api.submit(body)

    assert response.status_code == 400
    assert set(field_messages(response)) == {
        "Personne.DateNaissance", "Personne.AdresseDomicile.CodePostal", "attachments[1]"}
    api.assert_nothing_stored()


def test_multipart_errors_name_the_part(api: Api) -> None:
    response = api.client.post(DOSSIERS, headers=api.auth(), data={
        "dossier": (io.BytesIO(RCO_XML), "dossier.xml"),
        "livret_famille": (io.BytesIO(b"GIF89a not accepted"), "livret.gif"),
    })

    assert response.status_code == 400
    assert "PDF, un JPEG ou un PNG" in field_messages(response)["livret_famille"]
    api.assert_nothing_stored()


def test_multipart_without_dossier_part_is_refused(api: Api) -> None:
    response = api.client.post(DOSSIERS, headers=api.auth(), data={
        "justificatif_identite": (io.BytesIO(PDF), "cni.pdf")})

    assert response.status_code == 400
    assert "dossier" in field_messages(response)
    api.assert_nothing_stored()


def test_billion_laughs_xml_is_refused(api: Api) -> None:
    started = time.monotonic()
    response = api.client.post(DOSSIERS, headers=api.auth(), data={
        "dossier": (io.BytesIO(BILLION_LAUGHS), "dossier.xml")})

    assert response.status_code == 400
    assert "DOCTYPE" in field_messages(response)["dossier"]
    assert time.monotonic() - started < 5
    api.assert_nothing_stored()


def test_oversize_body_is_refused_with_413(runtime_factory: Callable[..., Runtime],
                                           sqlite_url: str) -> None:
    api = make_api(runtime_factory(sqlite_url, max_request_bytes=4096))
    body = rco_body()
    body["attachments"].append(attachment("carte_invalidite", PDF + b" " * 8000))

    response = api.submit(body)

    assert response.status_code == 413
    assert response.is_json and "volumineuse" in response.get_json()["error"]
    api.assert_nothing_stored()


def test_wrong_content_type_is_refused_with_415(api: Api) -> None:
    response = api.client.post(DOSSIERS, data=RCO_XML, content_type="text/plain",
                               headers=api.auth())

    assert response.status_code == 415
    assert response.is_json
    api.assert_nothing_stored()


# --- Authentication and scopes ---------------------------------------------------------------


def test_missing_token_is_refused_with_401(api: Api) -> None:
    response = api.client.post(DOSSIERS, json=rco_body())

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    api.assert_nothing_stored()


def test_unknown_token_is_refused_with_401(api: Api) -> None:
    response = api.submit(rco_body(), token="tdk_not-a-real-token")

    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert api.client.get(f"{DOSSIERS}/TD-7K3M9QXAX",
                          headers={"Authorization": "Basic dXNlcjpwYXNz"}).status_code == 401


def test_revoked_token_is_refused_with_401(api: Api) -> None:
    with api.runtime.ctx.db.transaction() as session:
        for token in session.scalars(select(ApiToken)):
            token.revoked_at = api.runtime.ctx.clock.now()

    assert api.submit(rco_body()).status_code == 401
    api.assert_nothing_stored()


def test_token_without_submit_scope_cannot_submit(api: Api) -> None:
    decide_only = issue_token(api.runtime.ctx, INSEE, ("decide",))

    response = api.submit(rco_body(), token=decide_only)

    assert response.status_code == 403
    api.assert_nothing_stored()


def test_token_without_decide_scope_cannot_act(api: Api) -> None:
    reference = submitted_reference(api)

    response = api.act(reference, "recu", token=api.submit_only)

    assert response.status_code == 403
    assert "decide" in response.get_json()["error"]
    assert api.get(reference, token=api.submit_only).status_code == 200  # any scope reads


def test_other_communes_dossier_is_not_found(api: Api) -> None:
    reference = submitted_reference(api)
    create_commune(api.runtime.ctx, insee=OTHER_INSEE, name="Marseille",
                   agents_email="agents@marseille.example")
    other = issue_token(api.runtime.ctx, OTHER_INSEE)

    assert api.get(reference, token=other).status_code == 404
    assert api.act(reference, "recu", token=other).status_code == 404
    assert api.get("TD-7K3M9QXAX").status_code == 404
    assert api.get("not-a-reference").get_json() == {"error": "dossier introuvable"}


# --- Actions ----------------------------------------------------------------------------------


def test_agent_action_is_applied_and_repeating_it_is_a_conflict(api: Api) -> None:
    reference = transmitted_reference(api)

    received = api.act(reference, "recu", comment="pris en charge")
    again = api.act(reference, "recu")

    assert received.status_code == 200
    last = received.get_json()["history"][-1]
    assert received.get_json()["status"] == "received"
    assert (last["action"], last["channel"], last["comment"]) == ("recu", "api", "pris en charge")
    assert last["actor"].startswith("api:")
    assert again.status_code == 409
    assert "déjà reçu" in again.get_json()["error"]


def test_action_on_a_dossier_still_being_checked_is_a_conflict(api: Api) -> None:
    reference = submitted_reference(api)

    response = api.act(reference, "clore")

    assert response.status_code == 409
    assert "vérification" in response.get_json()["error"]


@pytest.mark.parametrize("action", ["refuser", "completer"])
def test_action_without_motive_is_a_400_on_the_comment(api: Api, action: str) -> None:
    reference = transmitted_reference(api)  # its report prepares no refusal motive

    response = api.act(reference, action, comment="  ")

    assert response.status_code == 400
    assert field_messages(response)["comment"].startswith("un motif est obligatoire")
    shown = api.get(reference).get_json()
    assert shown["status"] == "transmitted" and shown["outcome"] is None


def test_refusal_without_comment_is_left_to_the_core(api: Api,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # The core may use the refusal motive validation prepared: the API must not refuse first.
    reference = submitted_reference(api)
    calls: list[tuple[str, str]] = []

    def act_on_dossier(ctx: Any, commune_id: int, ref: str, action: Any, **kwargs: Any) -> None:
        calls.append((action.value, kwargs["comment"]))

    monkeypatch.setattr("web_minimal.api.act_on_dossier", act_on_dossier)

    response = api.act(reference, "refuser")

    assert response.status_code == 200, response.get_json()
    assert calls == [("refuser", "")]


def test_motive_check_on_a_closed_dossier_is_still_a_conflict(api: Api) -> None:
    reference = transmitted_reference(api)
    assert api.act(reference, "clore").status_code == 200
    api.wait_for_status(reference, "closed")

    response = api.act(reference, "refuser", comment="hors délai")

    assert response.status_code == 409


def test_unknown_action_is_refused(api: Api) -> None:
    reference = submitted_reference(api)

    response = api.act(reference, "supprimer")

    assert response.status_code == 400
    assert "action" in field_messages(response)


def test_action_needs_a_json_body(api: Api) -> None:
    reference = submitted_reference(api)

    response = api.client.post(f"{DOSSIERS}/{reference}/actions", data="action=recu",
                               content_type="application/x-www-form-urlencoded",
                               headers=api.auth())

    assert response.status_code == 415


# --- Errors are JSON on the API ---------------------------------------------------------------


def test_unknown_api_path_and_wrong_method_answer_json(api: Api) -> None:
    missing = api.client.get("/api/v1/nothing-here", headers=api.auth())
    wrong_method = api.client.delete(DOSSIERS, headers=api.auth())

    assert missing.status_code == 404 and missing.is_json
    assert wrong_method.status_code == 405 and wrong_method.is_json
    assert "POST" in wrong_method.headers["Allow"]


def test_unexpected_error_answers_json_500(runtime: Runtime) -> None:
    app = create_app(runtime, {"TESTING": True})

    def boom() -> str:
        raise RuntimeError("boom")

    app.add_url_rule("/api/v1/boom", view_func=boom)

    response = app.test_client().get("/api/v1/boom")

    assert response.status_code == 500
    assert response.get_json() == {"error": "erreur interne du serveur"}


# --- Probes and documentation ----------------------------------------------------------------


def test_healthz_and_readyz_answer_ok(api: Api) -> None:
    assert api.client.get("/healthz").get_json() == {"status": "ok"}
    ready = api.client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["status"] == "ok"


def test_readyz_answers_503_when_the_database_is_unreachable(tmp_path: Any) -> None:
    settings = Settings.from_env({
        # Nothing listens on port 1: the connection is refused at once.
        "TELEDOSSIER_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/absent",
        "TELEDOSSIER_SECRET_KEY": "test-secret",
        "TELEDOSSIER_VAR_DIR": str(tmp_path),
    })
    runtime = build_runtime(settings)
    try:
        response = create_app(runtime, {"TESTING": True}).test_client().get("/readyz")
    finally:
        runtime.stop()

    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"
    assert "base de données" in response.get_json()["reason"]


def test_openapi_document_is_served_and_lists_every_route(api: Api) -> None:
    response = api.client.get("/api/v1/openapi.yaml")

    assert response.status_code == 200
    spec = yaml.safe_load(response.data)
    assert spec["openapi"].startswith("3.1")
    app: Flask = api.client.application
    # Every route for programs (the API and the probes); the HTML pages are not in the spec.
    routes = {rule.rule.replace("<", "{").replace(">", "}").rstrip("/") or "/"
              for rule in app.url_map.iter_rules()
              if rule.endpoint != "static" and rule.rule.startswith(JSON_PREFIXES)}
    assert routes and routes <= set(spec["paths"])
    for schema in ("RecensementCitoyenData", "InscriptionListesElectoralesData", "Dossier"):
        assert schema in spec["components"]["schemas"]


# --- PostgreSQL -------------------------------------------------------------------------------


@pytest.mark.postgres
def test_dossier_reaches_transmitted_on_postgresql(runtime_factory: Callable[..., Runtime],
                                                    pg_url: str) -> None:
    api = make_api(runtime_factory(pg_url))

    reference = transmitted_reference(api)

    shown = api.get(reference).get_json()
    assert [e["to_status"] for e in shown["history"]] == ["submitted", "transmitted"]
