"""Who may open what: every route of the application against every role.

One small world (SQLite, built once for the module): commune A (Nice) and commune B
(Marseille); a citizen with a confirmed account whose RCO dossier in A went through the pipeline
(récépissé, attachments, an attestation deposited in the espace confidentiel, a failed mail, a
reply), a document kept in that citizen's space, a second confirmed citizen, a third who never
confirmed; an agent and the admin of A (and a disabled agent of A), an agent of B, an operator;
an API token of A and one of B. Each web role has its own test client, logged in through the
real login forms; the token roles are anonymous clients sending ``Authorization: Bearer``.

``POLICY`` classifies every endpoint of ``app.url_map``; ``test_every_route_is_classified``
fails when a route is added without an entry, so that every new page is classified here. Each
(endpoint, method, variant, role) is then a test case:

* GET: the status the policy gives the role (a login redirect back to the page, 403, 404, 401
  JSON), the same status with or without a trailing slash, no change in the database (but the
  log of ``/verifier`` checks), the security headers on HTML, and no personal data of others in
  a page the role may open (operators see counts and technical data only).
* POST ``sans-csrf``: 400 and nothing changed, for every role, though the body would act if
  accepted; a GET at the same address does not reach the POST view.
* POST ``avec-csrf``: with the session's token, a role the policy refuses is refused and
  nothing changes. ``sonde``: a role the policy allows sends a harmless body (``PROBES``) and
  reaches the view (when a probe is defined).
* The API ignores cookies, so it has no CSRF: ``cookie`` (a web role's session, no token) gets
  401 JSON, ``jeton`` (a token refused) 404, ``sonde`` as above.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import LargeBinary, event, func, select
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.test import TestResponse

from pipeline.commands.accounts import create_user, set_active
from pipeline.commands.communes import create_commune, issue_token
from pipeline.commands.submit import Submission, submit_dossier
from pipeline.domain.attachments import IncomingAttachment
from pipeline.domain.clock import FixedClock
from pipeline.store.migrate import upgrade
from pipeline.store.model import (
    ApiToken,
    Attachment,
    Base,
    CitizenDocument,
    Dossier,
    DossierDocument,
    Mail,
    User,
)
from teledossier.bootstrap import Runtime, build_runtime
from tests.conftest import make_settings
from tests.integration.web.accessibility import accessibility_problems
from tests.integration.web.test_agents import (
    ADMIN,
    AGENT,
    INSEE,
    JPEG,
    NOW,
    OPERATOR,
    OTHER_AGENT,
    OTHER_INSEE,
    PDF,
    rco_data,
    run_outbox,
)
from tests.integration.web.test_agents import PASSWORD as STAFF_PASSWORD
from tests.integration.web.test_agents import link_in as staff_link_in
from tests.integration.web.test_citizens import PASSWORD as CITIZEN_PASSWORD
from tests.integration.web.test_citizens import PUBLIC_URL, csrf_of, link_in, sign_up
from tests.integration.web.test_ops import CITIZEN as CITIZEN_1
from tests.integration.web.test_ops import citizen_reply, fail_mail
from web_minimal import create_app

CITIZEN_2 = "marc.leroux@example.org"
#: Signed up, never confirmed: the holder of the fresh confirmation link.
CITIZEN_3 = "nina.perrin@example.org"
DISABLED_AGENT = "agent.parti@nice.example"
#: Who filed the dossier of commune B (through a partner portal, without an account).
OTHER_PERSON, OTHER_FAMILY_NAME = "paul.roux@example.org", "ROUX"
FAMILY_NAME, FIRST_NAME = "DUPONT", "Léa"
STREET, PHONE, FATHER = "allée des Glycines Bleues", "0611223344", "Barnabé"
#: What citizen 1 filed: what must not show to anyone but them and commune A's staff.
DOSSIER_VALUES = (FAMILY_NAME, "Dupont", FIRST_NAME, "20/10/2009", STREET, PHONE, FATHER)

LOCK_WAIT_MS = 1000
CITIZEN_LOGIN = "/connexion"
STAFF_LOGIN = "/gestion/connexion"
ALLOWED = "allowed"
#: Tables a GET may write to: the log of the checks of /verifier (without the address).
WRITTEN_BY_GET = frozenset({"verification_checks"})
#: Tables a harmless probe may write to: a wrong password counts towards the throttling.
WRITTEN_BY_PROBES = frozenset({"login_attempts"})

WEB_ROLES = ("anonymous", "citizen1", "citizen2", "agentA", "agentB", "adminA", "operator")
#: Anonymous clients presenting an API bearer token (of commune A, of commune B).
TOKEN_ROLES = ("tokenA", "tokenB")
ROLES = WEB_ROLES + TOKEN_ROLES
STAFF_ROLES = ("agentA", "agentB", "adminA", "operator")

# --- The policy ---------------------------------------------------------------------------------

#: What each kind of page gives each role (absent roles: the kind's default, see ``outcome``).
#: - public: everyone gets the page.
#: - dev_mail: the catcher's mailbox, only without SMTP relay and only from this machine.
#: - citizen: a logged-in citizen with a confirmed address; others go to the citizens' login.
#: - citizen_owner: as citizen, about citizen 1's dossier or document: another citizen gets 404.
#: - staff: agents and admins of any commune (their own commune's list); operators 403; others
#:   go to the agents' login.
#: - staff_dossier: as staff, about commune A's dossier: the agent of commune B gets 404.
#: - admin: the commune's admin; agents and operators 403.
#: - operator: operators; agents and admins 403.
#: - api: a bearer token of any commune; every web role (session cookie or not) 401 JSON.
#: - api_dossier: as api, about commune A's dossier: the token of commune B gets 404.
#: - api_token: as api, about token A's own webhook: the token of commune B gets 404.
KINDS: dict[str, dict[str, str | int]] = {
    "public": {},
    "dev_mail": {},
    "citizen": {"citizen1": ALLOWED, "citizen2": ALLOWED},
    "citizen_owner": {"citizen1": ALLOWED, "citizen2": 404},
    "staff": {"agentA": ALLOWED, "adminA": ALLOWED, "agentB": ALLOWED, "operator": 403},
    "staff_dossier": {"agentA": ALLOWED, "adminA": ALLOWED, "agentB": 404, "operator": 403},
    "admin": {"adminA": ALLOWED, "agentA": 403, "agentB": 403, "operator": 403},
    "operator": {"operator": ALLOWED, "agentA": 403, "agentB": 403, "adminA": 403},
    "api": {"tokenA": ALLOWED, "tokenB": ALLOWED},
    "api_dossier": {"tokenA": ALLOWED, "tokenB": 404},
    "api_token": {"tokenA": ALLOWED, "tokenB": 404},
}

#: Every endpoint of the application: its kind and the methods it answers (HEAD/OPTIONS aside).
POLICY: dict[str, tuple[str, str]] = {
    # Citizens: account (public), then the espace confidentiel and the suivi.
    "citizens.home": ("public", "GET"),
    "citizens.signup": ("public", "GET POST"),
    "citizens.confirm_address_form": ("public", "GET"),
    "citizens.confirm_address": ("public", "POST"),
    "citizens.resend_confirmation": ("citizen", "POST"),
    "citizens.login": ("public", "GET POST"),
    "citizens.logout_view": ("public", "POST"),
    "citizens.forgot_password": ("public", "GET POST"),
    "citizens.reset_password_form": ("public", "GET"),
    "citizens.reset_password": ("public", "POST"),
    "citizens.demarches": ("citizen", "GET"),
    "citizens.file_form": ("citizen", "GET"),
    "citizens.check_form": ("citizen", "POST"),
    "citizens.send": ("citizen", "POST"),
    "citizens.sent": ("citizen_owner", "GET"),
    "citizens.space": ("citizen", "GET"),
    "citizens.upload": ("citizen", "POST"),
    "citizens.download": ("citizen_owner", "GET"),
    "citizens.confirm_removal": ("citizen_owner", "GET"),
    "citizens.remove": ("citizen_owner", "POST"),
    "citizens.usual_data": ("citizen", "GET POST"),
    "citizens.dashboard": ("citizen", "GET"),
    "citizens.dossier_page": ("citizen_owner", "GET"),
    "citizens.write_to_commune": ("citizen_owner", "POST"),
    "citizens.complete": ("citizen_owner", "POST"),
    "citizens.receipt": ("citizen_owner", "GET"),
    # Agents: identification (public), the lists, the dossier, the admin's page.
    "agents.login": ("public", "GET"),
    "agents.login_post": ("public", "POST"),
    "agents.logout_post": ("public", "POST"),
    "agents.no_account": ("public", "GET"),
    "agents.password_lost": ("public", "GET"),
    "agents.password_lost_post": ("public", "POST"),
    "agents.new_password": ("public", "GET"),
    "agents.new_password_post": ("public", "POST"),
    "agents.index": ("staff", "GET"),
    "agents.archives": ("staff", "GET"),
    "agents.search": ("staff", "GET"),
    "agents.dossier": ("staff_dossier", "GET"),
    "agents.piece": ("staff_dossier", "GET"),
    "agents.document": ("staff_dossier", "GET"),
    "agents.deposit_file_view": ("staff_dossier", "GET"),
    "agents.package": ("staff_dossier", "GET"),
    "agents.deposit": ("staff_dossier", "GET"),
    "agents.deposit_post": ("staff_dossier", "POST"),
    "agents.change_state": ("staff_dossier", "POST"),
    "agents.mark_messages_read": ("staff_dossier", "POST"),
    "agents.reu": ("staff", "GET"),
    "agents.reu_post": ("staff", "POST"),
    "agents.reu_csv": ("staff", "GET"),
    "agents.exports": ("staff", "GET"),
    "agents.export_file": ("staff", "GET"),
    "agents.preferences": ("staff", "GET"),
    "agents.preferences_post": ("staff", "POST"),
    "agents.statistics": ("admin", "GET"),
    "agents.admin": ("admin", "GET"),
    "agents.create_account": ("admin", "POST"),
    "agents.disable_account": ("admin", "POST"),
    "agents.enable_account": ("admin", "POST"),
    "agents.end_account_sessions": ("admin", "POST"),
    "agents.send_link": ("admin", "POST"),
    "agents.notifications": ("admin", "POST"),
    "agents.revoke": ("admin", "POST"),
    "agents.signing_png": ("admin", "GET"),
    "agents.signing_mayor": ("admin", "POST"),
    "agents.signing_stamp": ("admin", "POST"),
    "agents.signing_signature": ("admin", "POST"),
    "agents.signing_certificate": ("admin", "POST"),
    "agents.signing_generate": ("admin", "POST"),
    # Operators.
    "ops.overview": ("operator", "GET"),
    "ops.trends": ("operator", "GET"),
    "ops.replay_one": ("operator", "POST"),
    "ops.replay_all": ("operator", "POST"),
    "ops.metrics": ("public", "GET"),  # aggregate only; restrictable by TELEDOSSIER_METRICS_ALLOW
    "health.healthz": ("public", "GET"),
    "health.readyz": ("public", "GET"),
    # The API: bearer tokens only, never the session cookie.
    "api.openapi": ("public", "GET"),
    "api.submit": ("api", "POST"),
    "api.show_dossier": ("api_dossier", "GET"),
    "api.act": ("api_dossier", "POST"),
    "documents_api.list_documents": ("api_dossier", "GET"),
    "documents_api.get_document": ("api_dossier", "GET"),
    "documents_api.get_package": ("api_dossier", "GET"),
    # A partner's list of the commune's dossiers, and the webhooks of its own token.
    "partners_api.list_dossiers_view": ("api", "GET"),
    "partners_api.webhooks": ("api", "GET"),
    "partners_api.add_webhook": ("api", "POST"),
    "partners_api.delete_webhook": ("api_token", "DELETE"),
    # The attestation's QR code opens this page: public, and says nothing without a valid code.
    "verify.explain": ("public", "GET"),
    "verify.verify": ("public", "GET"),
    # The built-in catcher's mailbox (no SMTP relay): every mail, to whoever is on this machine.
    "dev_mail.index": ("dev_mail", "GET"),
    "dev_mail.show": ("dev_mail", "GET"),
    "dev_mail.reply": ("dev_mail", "POST"),
}

#: The status of an allowed GET when it is not 200.
ALLOWED_STATUS = {
    # No signed payload in the address: the one page for every failure, to everyone.
    "verify.verify": 404,
}

#: Bodies that would act if the POST were accepted: sent without the CSRF token by every role,
#: and with it by the roles the policy refuses. Files are added by ``body_of``.
ATTACKS: dict[str, dict[str, Any]] = {
    "citizens.signup": {"email": "intrus@example.org", "mot_de_passe": "intrus intrus intrus",
                        "confirmation": "intrus intrus intrus"},
    "citizens.confirm_address": {"mot_de_passe": CITIZEN_PASSWORD},
    "citizens.login": {"email": CITIZEN_1, "mot_de_passe": CITIZEN_PASSWORD},
    "citizens.forgot_password": {"email": CITIZEN_1},
    "citizens.reset_password": {"mot_de_passe": "un mot de passe volé",
                                "confirmation": "un mot de passe volé"},
    "citizens.check_form": {"fichier-justificatif_identite": ("file", "intrus.pdf")},
    "citizens.upload": {"fichier": ("file", "intrus.pdf")},
    "citizens.usual_data": {"Personne.NomFamille": "INTRUS"},
    "citizens.write_to_commune": {"message": "Message d'un intrus"},
    "agents.login_post": {"email": AGENT, "password": STAFF_PASSWORD},
    "agents.password_lost_post": {"email": AGENT},
    "agents.new_password_post": {"password": "un mot de passe volé",
                                 "confirmation": "un mot de passe volé"},
    "agents.deposit_post": {"fichier": ("file", "intrus.pdf")},
    "agents.change_state": {"action": "recu", "commentaire": "Pris en main par un intrus"},
    "agents.mark_messages_read": {},
    "agents.reu_post": {"dossiers": "REFERENCE", "date": "12/03/2026"},
    "agents.preferences_post": {"choix": "recapitulatif", "heure": "7"},
    "agents.create_account": {"email": "intrus@nice.example"},
    "agents.disable_account": {"confirme": "oui"},
    "agents.end_account_sessions": {"confirme": "oui"},
    "agents.notifications": {"notifier": []},
    "agents.revoke": {"confirme": "oui"},
    "agents.signing_mayor": {"maire": "Monsieur Intrus"},
    "agents.signing_stamp": {"tampon": ("png", "tampon.png")},
    "agents.signing_signature": {"signature": ("png", "signature.png")},
    "agents.signing_certificate": {"cle": ("file", "cle.pem"),
                                   "certificat": ("file", "certificat.pem")},
    "agents.signing_generate": {"confirme": "oui"},
    "dev_mail.reply": {"from": CITIZEN_1, "body": "Réponse d'un intrus"},
    "api.submit": {"json": "dossier"},
    "api.act": {"json": {"action": "recu", "comment": "Pris en main par un intrus"}},
    "partners_api.add_webhook": {"json": {"url": "https://intrus.example/crochet"}},
}

#: Harmless bodies for the roles the policy allows, with the status that shows the view was
#: reached (and refused the input, or only showed a confirmation). Endpoints without a probe
#: (logins, logouts, replays, mails) are exercised by their own modules.
PROBES: dict[str, tuple[dict[str, Any], int]] = {
    "citizens.signup": ({"email": "", "mot_de_passe": "", "confirmation": ""}, 400),
    "citizens.confirm_address": ({"mot_de_passe": "pas le bon mot de passe"}, 400),
    "citizens.resend_confirmation": ({}, 303),  # already confirmed: nothing sent, says so
    "citizens.forgot_password": ({"email": "pas une adresse"}, 400),
    "citizens.reset_password": ({"mot_de_passe": "premier essai long",
                                 "confirmation": "second essai long"}, 400),
    "citizens.check_form": ({"etape": "modifier"}, 200),
    "citizens.send": ({}, 400),
    "citizens.upload": ({}, 400),
    "citizens.usual_data": ({"Personne.DateNaissance": "pas une date"}, 400),
    "citizens.write_to_commune": ({"message": ""}, 400),
    "citizens.complete": ({}, 303),  # the dossier awaits no complement: nothing changes
    "agents.password_lost_post": ({"email": ""}, 200),
    "agents.new_password_post": ({"password": "court", "confirmation": "court"}, 422),
    "agents.change_state": ({"action": "", "commentaire": ""}, 422),
    "agents.deposit_post": ({}, 422),
    "agents.reu_post": ({"date": "12/03/2026"}, 422),  # no dossier ticked
    "agents.preferences_post": ({"choix": "recapitulatif", "heure": "99"}, 422),
    "agents.create_account": ({"email": ""}, 422),
    "agents.disable_account": ({}, 200),  # asks for a confirmation first
    "agents.end_account_sessions": ({}, 200),  # asks for a confirmation first
    "agents.revoke": ({}, 200),  # asks for a confirmation first
    "agents.signing_mayor": ({"maire": ""}, 422),
    "agents.signing_stamp": ({}, 422),
    "agents.signing_signature": ({}, 422),
    "agents.signing_certificate": ({}, 422),
    "agents.signing_generate": ({}, 200),  # asks for a confirmation first
    "api.submit": ({"json": {}}, 400),
    "api.act": ({"json": {"action": "pas une action"}}, 400),
    "partners_api.add_webhook": ({"json": {"url": "ftp://pas-une-adresse"}}, 400),
}


def outcome(endpoint: str, role: str) -> str | int:
    """ALLOWED, a status, or the login page the role is sent to."""
    kind = POLICY[endpoint][0]
    found = KINDS[kind].get(role)
    if found is not None:
        return found
    if kind in ("public", "dev_mail"):
        return ALLOWED
    if kind.startswith("api"):
        return 401
    if kind.startswith("citizen"):
        return CITIZEN_LOGIN
    assert role not in STAFF_ROLES, (endpoint, role)
    return STAFF_LOGIN


def is_api(endpoint: str) -> bool:
    return endpoint.startswith(("api.", "documents_api.", "partners_api."))


# --- The world ----------------------------------------------------------------------------------


@dataclass
class World:
    runtime: Runtime
    app: Flask
    clients: dict[str, FlaskClient] = field(default_factory=dict)
    csrf: dict[str, str] = field(default_factory=dict)
    #: Set-Cookie of each role's login answer.
    login_cookies: dict[str, str] = field(default_factory=dict)
    #: Values of the URL parameters, by name, and by (endpoint, name) where they differ.
    params: dict[str, Any] = field(default_factory=dict)
    reference: str = ""
    reference_b: str = ""
    secrets: dict[str, str] = field(default_factory=dict)

    @property
    def ctx(self) -> Any:
        return self.runtime.ctx


def mails(world_ctx: Any, recipient: str, purpose: str) -> list[Mail]:
    with world_ctx.db.transaction() as db:
        return list(db.scalars(select(Mail).where(Mail.recipient == recipient,
                                                  Mail.purpose == purpose)
                               .order_by(Mail.created_at, Mail.id)))


def form_token(client: FlaskClient, path: str) -> str:
    return csrf_of(client.get(path).get_data(as_text=True))


def log_in_citizen(client: FlaskClient, email: str) -> TestResponse:
    response = client.post(CITIZEN_LOGIN, data={
        "csrf_token": form_token(client, CITIZEN_LOGIN), "email": email,
        "mot_de_passe": CITIZEN_PASSWORD})
    assert response.status_code == 303, response.get_data(as_text=True)
    return response


def log_in_staff(client: FlaskClient, email: str) -> TestResponse:
    response = client.post(STAFF_LOGIN, data={
        "csrf_token": form_token(client, STAFF_LOGIN), "email": email,
        "password": STAFF_PASSWORD})
    assert response.status_code == 303, response.get_data(as_text=True)
    return response


def confirmed_citizen(app: Flask, world_ctx: Any, email: str) -> None:
    """Sign up and follow the mailed link, in a browser of their own (thrown away)."""
    client = app.test_client()
    assert sign_up(client, email).status_code == 200
    link = link_in(mails(world_ctx, email, "verify_email")[-1], "/confirmer-adresse/")
    done = client.post(link, data={"csrf_token": form_token(client, link),
                                   "mot_de_passe": CITIZEN_PASSWORD})
    assert done.status_code == 303, done.get_data(as_text=True)


def fail_fast_on_locks(runtime: Runtime) -> None:
    """Nothing runs beside the tests here: a lock wait is a request deadlocking itself (two
    transactions at once on SQLite), to report in a second rather than after 15."""
    @event.listens_for(runtime.ctx.db.engine, "connect")
    def _short_busy_timeout(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={LOCK_WAIT_MS}")
        cursor.close()

    runtime.ctx.db.engine.dispose()


def citizen_1_data() -> dict[str, Any]:
    """The agents' tests' RCO, with values found nowhere else (to look for them in pages)."""
    data = rco_data(FAMILY_NAME, FIRST_NAME, CITIZEN_1)
    data["Personne"]["AdresseDomicile"]["NomVoie"] = STREET
    data["Personne"]["MethodeContact"][1]["URI"] = PHONE
    data["FiliationPere"]["PrenomUsuel"] = FATHER
    return data


def build_world(runtime: Runtime) -> World:
    ctx = runtime.ctx
    app = create_app(runtime, {"TESTING": True})
    world = World(runtime, app)
    commune_a = create_commune(ctx, insee=INSEE, name="Nice",
                               agents_email="mairie@nice.example").id
    commune_b = create_commune(ctx, insee=OTHER_INSEE, name="Marseille",
                               agents_email="mairie@marseille.example").id
    for email, role, insee in ((AGENT, "agent", INSEE), (ADMIN, "admin", INSEE),
                               (DISABLED_AGENT, "agent", INSEE),
                               (OTHER_AGENT, "agent", OTHER_INSEE),
                               (OPERATOR, "operator", None)):
        create_user(ctx, email=email, role=role, commune_insee=insee, password=STAFF_PASSWORD)
    set_active(ctx, DISABLED_AGENT, active=False)
    world.secrets = {"tokenA": issue_token(ctx, INSEE, label="Portail de Nice"),
                     "tokenB": issue_token(ctx, OTHER_INSEE, label="Portail de Marseille")}

    # Citizens: two confirmed accounts, a third with an unused confirmation link.
    confirmed_citizen(app, ctx, CITIZEN_1)
    confirmed_citizen(app, ctx, CITIZEN_2)
    assert sign_up(app.test_client(), CITIZEN_3).status_code == 200
    verify_token = link_in(mails(ctx, CITIZEN_3, "verify_email")[-1],
                           "/confirmer-adresse/").rsplit("/", 1)[-1]

    # Citizen 1's RCO in commune A, through the whole pipeline: récépissé, notifications.
    receipt = submit_dossier(ctx, commune_a, Submission(
        demarche="RecensementCitoyen", channel="web", actor=CITIZEN_1,
        data=citizen_1_data(),
        attachments=[IncomingAttachment("justificatif_identite", "cni.pdf", PDF),
                     IncomingAttachment("livret_famille", "livret.jpg", JPEG)]))
    run_outbox(ctx)
    # Another citizen's dossier in commune B (its agent's lists are not empty).
    # Born on another day than citizen 1: the exports of commune B show this person's date.
    data_b = rco_data(OTHER_FAMILY_NAME, "Paul", OTHER_PERSON)
    data_b["Personne"]["DateNaissance"] = "14/02/2009"
    receipt_b = submit_dossier(ctx, commune_b, Submission(
        demarche="RecensementCitoyen", channel="api", data=data_b,
        attachments=[IncomingAttachment("justificatif_identite", "cni.pdf", PDF),
                     IncomingAttachment("livret_famille", "livret.jpg", JPEG)]))
    run_outbox(ctx)
    world.reference, world.reference_b = receipt.reference, receipt_b.reference

    # One client per role, logged in through the real forms.
    for role in ROLES:
        world.clients[role] = app.test_client()
    for role, email in (("citizen1", CITIZEN_1), ("citizen2", CITIZEN_2)):
        world.login_cookies[role] = log_in_citizen(world.clients[role], email).headers[
            "Set-Cookie"]
    for role, email in (("agentA", AGENT), ("agentB", OTHER_AGENT), ("adminA", ADMIN),
                        ("operator", OPERATOR)):
        world.login_cookies[role] = log_in_staff(world.clients[role], email).headers[
            "Set-Cookie"]
    for role in TOKEN_ROLES:
        world.clients[role].environ_base["HTTP_AUTHORIZATION"] = f"Bearer {world.secrets[role]}"
    for role in ROLES:
        world.csrf[role] = form_token(world.clients[role], CITIZEN_LOGIN)

    # Citizen 1 keeps a document in the space; agent A deposits one for the dossier.
    citizen1, agent_a = world.clients["citizen1"], world.clients["agentA"]
    kept = citizen1.post("/espace/documents", data={
        "csrf_token": world.csrf["citizen1"], "fichier": (io.BytesIO(PDF), "avis-impot.pdf")},
        content_type="multipart/form-data")
    assert kept.status_code == 303, kept.get_data(as_text=True)
    deposited = agent_a.post(f"/gestion/dossiers/{world.reference}/depot", data={
        "csrf_token": world.csrf["agentA"],
        "fichier": (io.BytesIO(PDF + b"%attestation"), "attestation.pdf")},
        content_type="multipart/form-data")
    assert deposited.status_code == 303, deposited.get_data(as_text=True)
    stamp = world.clients["adminA"].post("/gestion/administration/attestations/tampon", data={
        "csrf_token": world.csrf["adminA"], "tampon": (io.BytesIO(png()), "tampon.png")},
        content_type="multipart/form-data")
    assert stamp.status_code == 303, stamp.get_data(as_text=True)
    # What the operators' page lists: a mail refused for good, a reply from the citizen.
    _, failed_id = fail_mail(runtime, receipt.dossier_id)
    citizen_reply(runtime, receipt.dossier_id)

    # Fresh links of each kind: reset for citizen 2, reset for the agent of B.
    anonymous = app.test_client()
    assert anonymous.post("/mot-de-passe-perdu", data={
        "csrf_token": form_token(anonymous, "/mot-de-passe-perdu"), "email": CITIZEN_2},
    ).status_code == 200
    citizen_reset = link_in(mails(ctx, CITIZEN_2, "reset_password")[-1],
                            "/nouveau-mot-de-passe/").rsplit("/", 1)[-1]
    assert anonymous.post("/gestion/mot-de-passe-perdu", data={
        "csrf_token": form_token(anonymous, "/gestion/mot-de-passe-perdu"),
        "email": OTHER_AGENT}).status_code == 200
    staff_reset = staff_link_in(mails(ctx, OTHER_AGENT, "password_reset")[-1]).rsplit("/", 1)[-1]

    # Token A's webhook (a partner of commune A).
    hooked = world.clients["tokenA"].post("/api/v1/webhooks",
                                          json={"url": "https://portail.nice.example/crochet"})
    assert hooked.status_code == 201, hooked.get_data(as_text=True)
    webhook_a = hooked.get_json()["id"]

    with ctx.db.transaction() as db:
        dossier = db.get(Dossier, receipt.dossier_id)
        assert dossier is not None and dossier.status == "transmitted", dossier
        recepisse = db.scalars(select(DossierDocument.id).where(
            DossierDocument.dossier_id == dossier.id,
            DossierDocument.kind == "recepisse")).one()
        piece = db.scalars(select(Attachment.id).where(
            Attachment.dossier_id == dossier.id)).first()
        own = db.scalars(select(CitizenDocument.id).where(
            CitizenDocument.owner_email == CITIZEN_1,
            CitizenDocument.filename == "avis-impot.pdf")).one()
        deposit = db.scalars(select(CitizenDocument.id).where(
            CitizenDocument.dossier_id == dossier.id)).first()
        users = {email: id_ for email, id_ in db.execute(select(User.email, User.id))}
        token_a = db.scalars(select(ApiToken.id).where(ApiToken.commune_id == commune_a)).one()
        mail_id = db.scalars(select(Mail.id).where(
            Mail.purpose == "agent_notification", Mail.commune_id == commune_a)).first()
    assert piece is not None and deposit is not None and mail_id is not None
    world.params = {
        "reference": world.reference, "slug": "recensement", "piece_id": piece,
        "deposit_id": deposit, "document_id": own, "user_id": users[AGENT],
        "token_id": token_a, "failed_id": failed_id, "mail_id": mail_id, "image": "tampon",
        "kind": "liste", "webhook_id": webhook_a,
        ("citizens.confirm_address_form", "token"): verify_token,
        ("citizens.confirm_address", "token"): verify_token,
        ("citizens.reset_password_form", "token"): citizen_reset,
        ("citizens.reset_password", "token"): citizen_reset,
        ("agents.new_password", "token"): staff_reset,
        ("agents.new_password_post", "token"): staff_reset,
        ("agents.document", "document_id"): recepisse,
        ("documents_api.get_document", "document_id"): str(recepisse),
        ("agents.enable_account", "user_id"): users[DISABLED_AGENT],
    }
    return world


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Built once for the module (``runtime_factory`` is per test): SQLite, not started."""
    tmp = tmp_path_factory.mktemp("acces")
    settings = make_settings(f"sqlite:///{tmp / 'acces.db'}", tmp)
    upgrade(settings.database_url)
    runtime = build_runtime(settings, clock=FixedClock(NOW))
    try:
        fail_fast_on_locks(runtime)
        yield build_world(runtime)
    finally:
        runtime.stop()


# --- Helpers ------------------------------------------------------------------------------------


def path_of(world: World, endpoint: str) -> str:
    """The address of an endpoint in the world, its parameters filled."""
    rule = next(rule for rule in world.app.url_map.iter_rules() if rule.endpoint == endpoint)
    values = {name: world.params.get((endpoint, name), world.params.get(name))
              for name in rule.arguments}
    missing = [name for name, value in values.items() if value is None]
    assert not missing, f"no value for {missing} of {endpoint}: add it to the world's params"
    with world.app.test_request_context():
        path = url_for(endpoint, **values)
    if endpoint == "agents.search":
        path += f"?numero={world.reference}"
    return path


def png(colour: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (24, 24), colour).save(out, "PNG")
    return out.getvalue()


def text_of(response: TestResponse) -> str:
    """The body as text; a file's bytes as Latin-1 (any byte reads, ASCII stays itself)."""
    if response.mimetype.startswith("text/") or response.is_json or "yaml" in response.mimetype:
        return response.get_data(as_text=True)
    return response.get_data().decode("latin-1")


def with_other_slash(path: str) -> str:
    base, _, query = path.partition("?")
    other = base[:-1] if base.endswith("/") else base + "/"
    return other + (f"?{query}" if query else "")


def snapshot(world: World) -> dict[str, str]:
    """Every table's rows, digested: a GET or a refused POST must leave them all as they were."""
    found = {}
    with world.ctx.db.transaction() as db:
        for table in Base.metadata.sorted_tables:
            # Large contents by their length (blobs are named by their digest anyway).
            columns = [func.length(column) if isinstance(column.type, LargeBinary) else column
                       for column in table.columns]
            rows = sorted(repr(tuple(row)) for row in db.execute(select(*columns)))
            found[table.name] = f"{len(rows)}:{hashlib.sha256(''.join(rows).encode()).hexdigest()}"
    return found


def changed(before: dict[str, str], after: dict[str, str],
            allowed: frozenset[str] = frozenset()) -> list[str]:
    return sorted(name for name in before if before[name] != after[name] and name not in allowed)


def body_of(template: dict[str, Any], csrf: str | None) -> dict[str, Any]:
    """Keyword arguments for ``client.post``: a form (files made fresh) or a JSON body."""
    if "json" in template:
        payload = template["json"]
        if payload == "dossier":
            payload = {"demarche": "RecensementCitoyen",
                       "data": rco_data("INTRUS", "Paul", "intrus@example.org")}
        return {"json": payload}
    data: dict[str, Any] = {}
    multipart = False
    for name, value in template.items():
        if isinstance(value, tuple) and value[0] in ("file", "png"):
            content = png() if value[0] == "png" else PDF + b"%intrus"
            data[name] = (io.BytesIO(content), value[1])
            multipart = True
        else:
            data[name] = value
    if csrf is not None:
        data["csrf_token"] = csrf
    return {"data": data, **({"content_type": "multipart/form-data"} if multipart else {})}


def assert_outcome(response: TestResponse, expected: str | int, allowed_status: int,
                   path: str, what: str) -> None:
    status = response.status_code
    if expected == ALLOWED:
        assert status == allowed_status, f"{what}: {status} instead of {allowed_status}"
    elif isinstance(expected, str):
        location = urlsplit(response.headers.get("Location", ""))
        assert status == 302 and location.path == expected, (
            f"{what}: {status} {response.headers.get('Location')} instead of a redirection "
            f"to {expected}")
        assert parse_qs(location.query).get("suivant") == [path], (
            f"{what}: the login page does not lead back to {path}")
    else:
        assert status == expected, f"{what}: {status} instead of {expected}"
        if expected == 401:
            assert response.is_json and response.get_json().get("error"), what
            assert response.headers.get("WWW-Authenticate", "").startswith("Bearer"), what


def personal_data(role: str) -> tuple[str, ...]:
    """What the role must never read: other people's addresses and citizen 1's dossier."""
    citizens = (CITIZEN_1, CITIZEN_2, CITIZEN_3, OTHER_PERSON, OTHER_FAMILY_NAME)
    if role == "citizen1":
        return (CITIZEN_2, CITIZEN_3)
    if role == "citizen2":
        return (CITIZEN_1, CITIZEN_3, *DOSSIER_VALUES)
    if role in ("agentA", "adminA", "tokenA"):
        return (CITIZEN_2, CITIZEN_3, OTHER_PERSON, OTHER_FAMILY_NAME)
    if role in ("agentB", "tokenB"):
        return (CITIZEN_1, CITIZEN_2, CITIZEN_3, *DOSSIER_VALUES)
    return (*citizens, *DOSSIER_VALUES)


def assert_security_headers(response: TestResponse, what: str) -> None:
    headers = response.headers
    policy = headers.get("Content-Security-Policy", "")
    assert "default-src" in policy and "frame-ancestors 'none'" in policy, what
    assert headers.get("X-Content-Type-Options") == "nosniff", what
    assert headers.get("X-Frame-Options") == "DENY", what
    assert headers.get("Referrer-Policy") in ("same-origin", "no-referrer"), what


# --- The cases ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    endpoint: str
    method: str
    variant: str
    role: str

    @property
    def id(self) -> str:
        return "-".join(filter(None, (self.endpoint, self.method, self.variant, self.role)))


def cases() -> list[Case]:
    """GET: one case per role. POST on a form: ``sans-csrf`` for every role, ``avec-csrf`` for
    the roles refused, ``sonde`` for the roles allowed (when a probe is defined). POST on the
    API (bearer tokens, no cookie, so no CSRF): ``cookie`` for every web role (its session and
    no token), ``jeton`` for a token refused, ``sonde`` for a token allowed."""
    found = []
    for endpoint, (_, methods) in POLICY.items():
        for method in methods.split():
            for role in ROLES:
                allowed = outcome(endpoint, role) == ALLOWED
                probe = "sonde" if endpoint in PROBES else None
                if method == "GET":
                    variants: list[str | None] = [""]
                elif not is_api(endpoint):
                    variants = ["sans-csrf", probe if allowed else "avec-csrf"]
                elif role in TOKEN_ROLES:
                    variants = [probe if allowed else "jeton"]
                else:
                    variants = ["cookie"]
                found += [Case(endpoint, method, variant, role)
                          for variant in variants if variant is not None]
    return found


CASES = cases()


def test_every_route_is_classified(world: World) -> None:
    """A new route fails here until POLICY says who may open it (and which methods it has)."""
    routes: dict[str, set[str]] = {}
    for rule in world.app.url_map.iter_rules():
        if rule.endpoint != "static":
            routes.setdefault(rule.endpoint, set()).update(
                (rule.methods or set()) - {"HEAD", "OPTIONS"})
    table = {endpoint: set(methods.split()) for endpoint, (_, methods) in POLICY.items()}
    assert set(routes) - set(table) == set(), "routes missing from POLICY"
    assert set(table) - set(routes) == set(), "POLICY names routes that do not exist"
    assert routes == table
    assert {kind for kind, _ in POLICY.values()} <= set(KINDS)
    assert set(PROBES) <= set(POLICY) and set(ATTACKS) <= set(POLICY)


@pytest.mark.parametrize("case", [c for c in CASES if c.method == "GET"],
                         ids=lambda c: c.id)
def test_get(world: World, case: Case) -> None:
    client = world.clients[case.role]
    path = path_of(world, case.endpoint)
    expected = outcome(case.endpoint, case.role)
    before = snapshot(world)

    response = client.get(path)
    slashed = client.get(with_other_slash(path)) if path != "/" else response

    after = snapshot(world)
    what = f"GET {path} as {case.role}"
    assert_outcome(response, expected, ALLOWED_STATUS.get(case.endpoint, 200), path, what)
    assert slashed.status_code == response.status_code, (
        f"{what}: {slashed.status_code} with the other trailing slash, {response.status_code} "
        "without")
    assert changed(before, after, WRITTEN_BY_GET) == [], f"{what} changed the database"
    assert response.status_code < 500
    if response.mimetype == "text/html":
        assert_security_headers(response, what)
    if response.status_code == 200 and POLICY[case.endpoint][0] != "dev_mail":
        page = text_of(response)
        shown = [value for value in personal_data(case.role) if value in page]
        assert shown == [], f"{what} shows {shown}"
    if response.status_code == 200 and response.mimetype == "text/html":
        assert accessibility_problems(response.get_data(as_text=True)) == [], what
    link = f'href="/gestion/dossiers/{world.reference}"'
    if case.role == "agentB" and expected == ALLOWED:
        assert link not in text_of(response), f"{what} links to commune A's dossier"
    if case.role in ("agentA", "adminA") and case.endpoint in ("agents.index", "agents.search"):
        assert link in text_of(response), what  # so that the check above means something


@pytest.mark.parametrize("case", [c for c in CASES if c.method == "POST"],
                         ids=lambda c: c.id)
def test_post(world: World, case: Case) -> None:
    client = world.clients[case.role]
    path = path_of(world, case.endpoint)
    expected = outcome(case.endpoint, case.role)
    what = f"POST {path} ({case.variant}) as {case.role}"
    with client.session_transaction() as session:
        identity = (session.get("user_id"), session.get("citizen_id"))
    before = snapshot(world)

    if case.variant == "sonde":
        body, status = PROBES[case.endpoint]
        for address in (path, with_other_slash(path)):
            response = client.post(address, **body_of(body,
                                                      world.csrf[case.role]))
            assert response.status_code == status, (
                f"POST {address} (sonde) as {case.role}: {response.status_code} instead of "
                f"{status}: the allowed role does not reach the view")
        assert changed(before, snapshot(world), WRITTEN_BY_PROBES) == [], \
            f"{what}: the harmless probe changed the database"
        return

    attack = ATTACKS.get(case.endpoint, {})
    csrf = world.csrf[case.role] if case.variant == "avec-csrf" else None
    response = client.post(path, **body_of(attack, csrf))
    slashed = client.post(with_other_slash(path), **body_of(attack, csrf))
    # Whatever answers GET at this address is not the POST view: 405, or another (safe) page.
    other = client.get(path)

    after = snapshot(world)
    with client.session_transaction() as session:
        identity_after = (session.get("user_id"), session.get("citizen_id"))
    if case.variant == "sans-csrf":
        assert response.status_code == 400, f"{what}: {response.status_code} instead of 400"
        assert "Formulaire expiré ou invalide" in response.get_data(as_text=True), what
    else:
        assert_outcome(response, expected, 0, path, what)
    assert slashed.status_code == response.status_code, f"{what}, other trailing slash"
    assert changed(before, after) == [], f"{what} changed the database"
    assert identity_after == identity, f"{what} changed who is logged in"
    try:
        endpoint, _ = world.app.url_map.bind("teledossier.test").match(
            urlsplit(path).path, method="GET")
    except MethodNotAllowed:
        assert other.status_code == 405, f"GET {path}: {other.status_code} instead of 405"
    except NotFound:
        raise AssertionError(f"GET {path} matches no route") from None
    else:
        # Another view, or the same one answering GET with its form: test_get covers it.
        assert "GET" in POLICY[endpoint][1], endpoint


# --- Beyond the table ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_link_in_every_mail_opens_a_page_and_changes_nothing(world: World,
                                                                  role: str) -> None:
    """Mail scanners and the recipients follow links with GET: never an action."""
    with world.ctx.db.transaction() as db:
        bodies = list(db.scalars(select(Mail.body_text)))
    links = sorted({found for body in bodies
                    for found in re.findall(re.escape(PUBLIC_URL) + r"(/[^\s<>\"]*)", body)})
    assert any(f"/gestion/dossiers/{world.reference}" == link for link in links), links
    client = world.clients[role]
    before = snapshot(world)

    statuses = {link: client.get(link).status_code for link in links}

    assert changed(before, snapshot(world), WRITTEN_BY_GET) == []
    assert all(status in (200, 302, 403, 404, 410) for status in statuses.values()), statuses
    notification = statuses[f"/gestion/dossiers/{world.reference}"]
    assert notification == {"agentA": 200, "adminA": 200, "agentB": 404,
                            "operator": 403}.get(role, 302), (role, notification)


def test_agents_notification_link_leads_through_the_login_to_the_dossier(world: World) -> None:
    [mail] = [m for m in mails(world.ctx, "mairie@nice.example", "agent_notification")
              if world.reference in m.body_text]
    path = f"/gestion/dossiers/{world.reference}"
    assert f"{PUBLIC_URL}{path}" in mail.body_text
    client = world.app.test_client()

    anonymous = client.get(path)

    assert anonymous.status_code == 302
    form = client.get(anonymous.headers["Location"]).get_data(as_text=True)
    logged = client.post(STAFF_LOGIN, data={"csrf_token": csrf_of(form), "email": ADMIN,
                                            "password": STAFF_PASSWORD, "suivant": path})
    assert logged.status_code == 303 and logged.headers["Location"] == path
    assert client.get(path).status_code == 200


def test_admin_cannot_reach_another_communes_accounts_or_tokens(world: World) -> None:
    client = world.clients["adminA"]
    with world.ctx.db.transaction() as db:
        agent_b = db.scalars(select(User.id).where(User.email == OTHER_AGENT)).one()
        operator = db.scalars(select(User.id).where(User.email == OPERATOR)).one()
        token_b = db.scalars(select(ApiToken.id).where(
            ApiToken.label == "Portail de Marseille")).one()
    before = snapshot(world)
    for user_id in (agent_b, operator):
        for action in ("desactiver", "reactiver", "sessions", "lien"):
            response = client.post(f"/gestion/administration/comptes/{user_id}/{action}",
                                   data={"csrf_token": world.csrf["adminA"], "confirme": "oui"})
            assert response.status_code == 404, (user_id, action, response.status_code)
    revoked = client.post(f"/gestion/administration/jetons/{token_b}/revoquer",
                          data={"csrf_token": world.csrf["adminA"], "confirme": "oui"})
    assert revoked.status_code == 404
    assert changed(before, snapshot(world)) == []
    page = client.get("/gestion/administration").get_data(as_text=True)
    assert OTHER_AGENT not in page and "Portail de Marseille" not in page
    assert OPERATOR not in page


def test_api_token_of_a_commune_sees_only_its_dossiers(world: World) -> None:
    client_a, client_b = world.clients["tokenA"], world.clients["tokenB"]
    assert client_a.get(f"/api/v1/dossiers/{world.reference}").status_code == 200
    assert client_a.get(f"/api/v1/dossiers/{world.reference_b}").status_code == 404
    assert client_b.get(f"/api/v1/dossiers/{world.reference_b}").status_code == 200
    assert client_b.get(f"/api/v1/dossiers/{world.reference}").status_code == 404


def test_one_kinds_password_link_is_refused_by_the_other_kinds_page(world: World) -> None:
    """An agent's link on the citizens' page, a citizen's on the agents' page: both dead."""
    client = world.app.test_client()
    staff_token = world.params[("agents.new_password", "token")]
    citizen_token = world.params[("citizens.reset_password_form", "token")]
    before = snapshot(world)

    on_citizens_page = client.get(f"/nouveau-mot-de-passe/{staff_token}")
    on_staff_page = client.get(f"/gestion/nouveau-mot-de-passe/{citizen_token}")
    posted = client.post(f"/gestion/nouveau-mot-de-passe/{citizen_token}", data={
        "csrf_token": form_token(client, STAFF_LOGIN), "password": "un mot de passe neuf",
        "confirmation": "un mot de passe neuf"})

    problems = []
    if on_citizens_page.status_code != 404:
        problems.append(f"the citizens' page answers {on_citizens_page.status_code} to an "
                        "agent's link")
    if on_staff_page.status_code != 410:
        problems.append(f"the agents' page answers {on_staff_page.status_code} to a citizen's "
                        "link (its form is shown)")
    if posted.status_code != 410:
        problems.append(f"the agents' form answers {posted.status_code} to a citizen's link")
    if changed(before, snapshot(world)):
        problems.append("posting the agents' form used up the citizen's link")
    assert not problems, "; ".join(problems)


def test_dev_mailbox_answers_only_this_machine(world: World) -> None:
    client = world.app.test_client()
    client.environ_base["REMOTE_ADDR"] = "192.0.2.10"
    token = form_token(client, CITIZEN_LOGIN)
    before = snapshot(world)
    mail_id = world.params["mail_id"]

    for path in ("/dev/mail/", "/dev/mail", f"/dev/mail/{mail_id}"):
        assert client.get(path).status_code == 404, path
    reply = client.post(f"/dev/mail/{mail_id}/repondre", data={
        "csrf_token": token, "from": CITIZEN_1, "body": "accepter"})

    assert reply.status_code == 404
    assert changed(before, snapshot(world)) == []


def test_login_answers_set_an_httponly_lax_session_cookie(world: World) -> None:
    for role, cookie in world.login_cookies.items():
        attributes = [part.strip().lower() for part in cookie.split(";")]
        assert attributes[0].startswith("teledossier="), role
        assert "httponly" in attributes and "samesite=lax" in attributes, (role, cookie)
        assert "secure" not in attributes, (role, cookie)  # plain http: a Secure cookie is lost


def _second_app(world: World, tmp: Path, **settings: str) -> tuple[Runtime, Flask]:
    """Another application on the world's database, with other settings."""
    database_url = world.ctx.settings.database_url
    runtime = build_runtime(make_settings(database_url, tmp, **settings),
                            clock=FixedClock(NOW))
    return runtime, create_app(runtime, {"TESTING": True})


def test_behind_https_the_session_cookie_is_secure(world: World, tmp_path: Path) -> None:
    runtime, app = _second_app(world, tmp_path, public_url="https://teledossier.example")
    try:
        for path in (CITIZEN_LOGIN, STAFF_LOGIN):
            client = app.test_client()
            response = client.get(path, base_url="https://teledossier.example")
            attributes = [part.strip().lower()
                          for part in response.headers["Set-Cookie"].split(";")]
            assert {"secure", "httponly", "samesite=lax"} <= set(attributes), attributes
            assert response.headers["Strict-Transport-Security"].startswith("max-age=")
            assert_security_headers(response, path)
    finally:
        runtime.stop()


def test_with_an_smtp_relay_there_is_no_dev_mailbox(world: World, tmp_path: Path) -> None:
    runtime, app = _second_app(world, tmp_path, smtp_url="smtp://127.0.0.1:9")
    try:
        endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
        assert {e for e in POLICY if POLICY[e][0] == "dev_mail"} & endpoints == set()
        client = app.test_client()
        assert client.get("/dev/mail/").status_code == 404
        assert client.get(f"/dev/mail/{world.params['mail_id']}").status_code == 404
    finally:
        runtime.stop()
