"""A closed session stays closed: a cookie copied before logout, a password reset, disabling the
account, its admin's « Fermer ses sessions » or the end of its lifetime opens nothing again.

Each test keeps the session cookie as an attacker would copy it (after a page was shown, CSRF
token included), closes the session the way a person does, then replays the copy in another
browser: the login page, and none of the account's data.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from pipeline.domain.clock import FixedClock
from pipeline.store.model import User
from teledossier.bootstrap import Runtime
from tests.integration.web.test_agents import (
    ADMIN,
    AGENT,
    NOW,
    OPERATOR,
    Desk,
    csrf_of,
    link_in,
    make_desk,
    text_of,
)
from tests.integration.web.test_citizens import PASSWORD as CITIZEN_PASSWORD
from tests.integration.web.test_citizens import account as citizen_account
from tests.integration.web.test_citizens import link_in as citizen_link_in
from tests.integration.web.test_citizens import (
    log_in,
    mails,
    make_runtime,
    token_for,
    verified_citizen,
)
from web_minimal import create_app

COOKIE = "teledossier"
STAFF_LOGIN, CITIZEN_LOGIN = "/gestion/connexion", "/connexion"
#: Found in the filed dossier (family name, address): never on a page of a closed session.
DOSSIER_DATA = ("MARTIN", "lucas.martin@example.org")
CITIZEN = "lea@example.org"


@pytest.fixture
def desk(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> Desk:
    return make_desk(runtime_factory, sqlite_url)


def copied_cookie(client: FlaskClient, page: str) -> tuple[str, str]:
    """Show a page, then copy the session cookie; with the CSRF token the page carries."""
    shown = client.get(page)
    assert shown.status_code == 200, page
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    return cookie.value, csrf_of(shown.get_data(as_text=True))


def replayed(app: Flask, cookie: str) -> FlaskClient:
    """Another browser presenting the copied cookie."""
    client = app.test_client()
    client.set_cookie(COOKIE, cookie)
    return client


def assert_sent_to_login(response: TestResponse, login: str, *secrets: str) -> None:
    assert response.status_code == 302, response.status_code
    assert urlsplit(response.headers["Location"]).path == login
    page = response.get_data(as_text=True)
    assert [s for s in secrets if s in page] == []


def assert_staff_cookie_dead(desk: Desk, cookie: str, csrf: str, reference: str,
                             email: str = AGENT) -> None:
    """The copy opens no page and changes no dossier; the login page it meets is blank."""
    thief = replayed(desk.app, cookie)
    for path in ("/gestion", f"/gestion/dossiers/{reference}", "/gestion/archives"):
        assert_sent_to_login(thief.get(path), STAFF_LOGIN, *DOSSIER_DATA)
    acted = thief.post(f"/gestion/dossiers/{reference}/etat",
                       data={"csrf_token": csrf, "action": "recu"})
    assert acted.status_code in (302, 400)
    assert desk.dossier(reference).status == "transmitted"
    login = text_of(thief.get(STAFF_LOGIN))
    assert "Identification" in login and email not in login


# --- Agents -------------------------------------------------------------------------------------


def test_an_agents_cookie_replayed_after_logout_opens_nothing(desk: Desk) -> None:
    reference = desk.file()
    desk.login()
    cookie, csrf = copied_cookie(desk.client, f"/gestion/dossiers/{reference}")
    assert "MARTIN" in text_of(replayed(desk.app, cookie).get("/gestion"))  # the copy worked

    out = desk.client.post("/gestion/deconnexion", data={"csrf_token": csrf})

    assert out.status_code == 303
    assert_staff_cookie_dead(desk, cookie, csrf, reference)
    assert desk.login().status_code == 303  # the password still opens a new session
    assert "MARTIN" in text_of(desk.client.get("/gestion"))


def test_logging_out_ends_the_accounts_sessions_in_every_browser(desk: Desk) -> None:
    office, home = desk.new_client(), desk.new_client()
    desk.login(client=office)
    desk.login(client=home)
    other_agent = desk.new_client()
    desk.login(ADMIN, client=other_agent)

    desk.post("/gestion/deconnexion", client=office)

    assert_sent_to_login(home.get("/gestion"), STAFF_LOGIN)
    assert other_agent.get("/gestion").status_code == 200  # another account's session goes on


def test_an_agents_cookie_replayed_after_a_password_reset_opens_nothing(desk: Desk) -> None:
    reference = desk.file()
    desk.login()
    cookie, csrf = copied_cookie(desk.client, "/gestion")
    owner = desk.new_client()
    desk.post("/gestion/mot-de-passe-perdu", {"email": AGENT},
              form_page="/gestion/mot-de-passe-perdu", client=owner)
    link = link_in(desk.mails(AGENT, "password_reset")[-1])

    done = owner.post(link, data={"csrf_token": csrf_of(text_of(owner.get(link))),
                                  "password": "un tout nouveau secret",
                                  "confirmation": "un tout nouveau secret"})

    assert done.status_code == 303
    assert_staff_cookie_dead(desk, cookie, csrf, reference)
    assert_sent_to_login(desk.client.get("/gestion"), STAFF_LOGIN)
    assert desk.login(password="un tout nouveau secret", client=owner).status_code == 303


def test_a_disabled_agents_cookie_stays_dead_once_the_account_is_enabled_again(
        desk: Desk) -> None:
    reference = desk.file()
    desk.login()
    cookie, csrf = copied_cookie(desk.client, "/gestion")
    admin = desk.new_client()
    desk.login(ADMIN, client=admin)
    agent_id = _user_id(desk, AGENT)

    desk.post(f"/gestion/administration/comptes/{agent_id}/desactiver", {"confirme": "oui"},
              form_page="/gestion/administration", client=admin)
    assert_staff_cookie_dead(desk, cookie, csrf, reference)
    desk.post(f"/gestion/administration/comptes/{agent_id}/reactiver",
              form_page="/gestion/administration", client=admin)

    assert_staff_cookie_dead(desk, cookie, csrf, reference)
    assert desk.login(client=desk.new_client()).status_code == 303


def test_admin_ends_an_agents_sessions_after_confirming(desk: Desk) -> None:
    reference = desk.file()
    desk.login()
    cookie, csrf = copied_cookie(desk.client, "/gestion")
    admin = desk.new_client()
    desk.login(ADMIN, client=admin)
    page = text_of(admin.get("/gestion/administration"))
    assert f'aria-label="Fermer les sessions ouvertes du compte {AGENT}"' in page
    agent_id = _user_id(desk, AGENT)
    action = f"/gestion/administration/comptes/{agent_id}/sessions"

    asked = admin.post(action, data={"csrf_token": csrf_of(page)})

    assert asked.status_code == 200 and f"Fermer les sessions de {AGENT} ?" in text_of(asked)
    assert desk.client.get("/gestion").status_code == 200  # nothing ended before confirming
    done = admin.post(action, data={"csrf_token": csrf_of(text_of(asked)), "confirme": "oui"})
    assert done.status_code == 303
    assert f"Les sessions de {AGENT} sont fermées" in text_of(admin.get("/gestion/administration"))
    assert_staff_cookie_dead(desk, cookie, csrf, reference)
    assert_sent_to_login(desk.client.get("/gestion"), STAFF_LOGIN)
    assert desk.login(client=desk.new_client()).status_code == 303  # the account stays active


def test_an_operators_cookie_replayed_after_logout_opens_nothing(desk: Desk) -> None:
    desk.login(OPERATOR)
    cookie, csrf = copied_cookie(desk.client, "/ops")

    desk.client.post("/gestion/deconnexion", data={"csrf_token": csrf})

    thief = replayed(desk.app, cookie)
    assert_sent_to_login(thief.get("/ops"), STAFF_LOGIN)
    replay = thief.post("/ops/echecs/rejouer-tout", data={"csrf_token": csrf})
    assert replay.status_code in (302, 400)


def test_a_session_ends_twelve_hours_after_login_however_active(desk: Desk) -> None:
    desk.login()
    for hours in range(1, 12):
        desk.clock.instant = NOW + timedelta(hours=hours)
        assert desk.client.get("/gestion").status_code == 200, hours
    cookie, _ = copied_cookie(desk.client, "/gestion")

    desk.clock.instant = NOW + timedelta(hours=12, minutes=1)

    assert_sent_to_login(desk.client.get("/gestion"), STAFF_LOGIN)
    assert_sent_to_login(replayed(desk.app, cookie).get("/gestion"), STAFF_LOGIN)
    assert desk.login().status_code == 303
    assert desk.client.get("/gestion").status_code == 200


def test_the_session_lifetime_is_a_setting(runtime_factory: Callable[..., Runtime],
                                           sqlite_url: str) -> None:
    clock = FixedClock(NOW)
    desk = Desk(runtime_factory(sqlite_url, clock=clock, session_max_hours=2), clock)
    desk.login()

    clock.instant = NOW + timedelta(hours=1, minutes=59)
    assert desk.client.get("/gestion").status_code == 200
    clock.instant = NOW + timedelta(hours=2, minutes=1)
    assert_sent_to_login(desk.client.get("/gestion"), STAFF_LOGIN)


def test_a_session_opened_without_a_version_is_refused(desk: Desk) -> None:
    """Cookies signed before sessions carried a version (an upgrade) log in again."""
    with desk.client.session_transaction() as session:
        session["user_id"] = _user_id(desk, AGENT)

    assert_sent_to_login(desk.client.get("/gestion"), STAFF_LOGIN)
    with desk.client.session_transaction() as session:
        assert "user_id" not in session  # the dead identity is dropped from the cookie


def _user_id(desk: Desk, email: str) -> int:
    with desk.ctx.db.transaction() as session:
        return session.scalars(select(User.id).where(User.email == email)).one()


# --- Citizens -----------------------------------------------------------------------------------


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


@pytest.fixture
def runtime(runtime_factory: Callable[..., Runtime], sqlite_url: str,
            clock: FixedClock) -> Runtime:
    return make_runtime(runtime_factory, sqlite_url, clock=clock)


@pytest.fixture
def citizen(runtime: Runtime) -> FlaskClient:
    """A citizen with a confirmed address, logged in."""
    client = create_app(runtime).test_client()
    verified_citizen(client, runtime, CITIZEN)
    assert CITIZEN in text_of(client.get("/suivi"))
    return client


def assert_citizen_cookie_dead(runtime: Runtime, cookie: str, csrf: str) -> None:
    """The copy opens no page and changes nothing; the pages it meets show no address."""
    thief = replayed(create_app(runtime), cookie)
    for path in ("/suivi", "/espace", "/espace/donnees", "/demarches"):
        assert_sent_to_login(thief.get(path), CITIZEN_LOGIN, CITIZEN)
    kept = thief.post("/espace/donnees", data={"csrf_token": csrf,
                                               "Personne.NomFamille": "INTRUS"})
    assert kept.status_code in (302, 400)
    assert citizen_account(runtime, CITIZEN).profile == {}
    home = thief.get("/").get_data(as_text=True)
    assert CITIZEN not in home


def test_a_citizens_cookie_replayed_after_logout_opens_nothing(citizen: FlaskClient,
                                                               runtime: Runtime) -> None:
    app = create_app(runtime)
    cookie, csrf = copied_cookie(citizen, "/suivi")
    assert replayed(app, cookie).get("/suivi").status_code == 200  # the copy worked

    out = citizen.post("/deconnexion", data={"csrf_token": csrf})

    assert out.status_code == 303
    assert_citizen_cookie_dead(runtime, cookie, csrf)
    assert log_in(citizen, CITIZEN).status_code == 303
    assert citizen.get("/suivi").status_code == 200


def test_a_citizens_cookie_replayed_after_a_password_reset_opens_nothing(
        citizen: FlaskClient, runtime: Runtime) -> None:
    app = create_app(runtime)
    cookie, csrf = copied_cookie(citizen, "/espace")
    owner = app.test_client()
    owner.post("/mot-de-passe-perdu", data={
        "csrf_token": token_for(owner, "/mot-de-passe-perdu"), "email": CITIZEN})
    link = citizen_link_in(mails(runtime, CITIZEN, "reset_password")[-1],
                           "/nouveau-mot-de-passe/")

    done = owner.post(link, data={"csrf_token": token_for(owner, link),
                                  "mot_de_passe": "toute neuve, celle-ci",
                                  "confirmation": "toute neuve, celle-ci"})

    assert done.status_code == 303
    assert_citizen_cookie_dead(runtime, cookie, csrf)
    assert_sent_to_login(citizen.get("/suivi"), CITIZEN_LOGIN)
    assert log_in(owner, CITIZEN, CITIZEN_PASSWORD).status_code == 400
    assert log_in(owner, CITIZEN, "toute neuve, celle-ci").status_code == 303


def test_a_citizens_session_ends_twelve_hours_after_login(citizen: FlaskClient,
                                                         runtime: Runtime,
                                                         clock: FixedClock) -> None:
    start = clock.instant
    clock.instant = start + timedelta(hours=11, minutes=59)
    assert citizen.get("/suivi").status_code == 200

    clock.instant = start + timedelta(hours=12, minutes=1)

    assert_sent_to_login(citizen.get("/suivi"), CITIZEN_LOGIN)
