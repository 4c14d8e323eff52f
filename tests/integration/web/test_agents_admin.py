"""The commune administrator's page: agents' accounts, notifications, API tokens."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from sqlalchemy import select
from werkzeug.test import TestResponse

from pipeline.commands.communes import issue_token
from pipeline.store.model import ApiToken, User
from teledossier.bootstrap import Runtime
from tests.integration.web.test_agents import (
    ADMIN,
    AGENT,
    INSEE,
    OTHER_AGENT,
    OTHER_INSEE,
    Desk,
    csrf_of,
    link_in,
    make_desk,
    text_of,
)

ADMIN_PAGE = "/gestion/administration"
NEWCOMER = "nouvel.agent@nice.example"


@pytest.fixture
def desk(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> Desk:
    desk = make_desk(runtime_factory, sqlite_url)
    desk.login(ADMIN)
    return desk


def user(desk: Desk, email: str) -> User:
    with desk.ctx.db.transaction() as session:
        return session.scalars(select(User).where(User.email == email)).one()


def admin_post(desk: Desk, path: str, data: dict[str, object] | None = None) -> TestResponse:
    return desk.post(f"{ADMIN_PAGE}{path}", data, form_page=ADMIN_PAGE)


def test_admin_page_lists_the_communes_accounts_and_tokens(desk: Desk) -> None:
    secret = issue_token(desk.ctx, INSEE, label="Portail de la ville")
    issue_token(desk.ctx, OTHER_INSEE, label="Portail de Marseille")

    page = text_of(desk.client.get(ADMIN_PAGE))

    assert "Utilisateurs de la mairie de Nice" in page
    assert AGENT in page and ADMIN in page and OTHER_AGENT not in page
    assert "Portail de la ville" in page and "Portail de Marseille" not in page
    assert secret not in page and "submit, decide" in page


def test_admin_creates_an_agent_who_sets_a_password_by_the_mailed_link(desk: Desk) -> None:
    response = admin_post(desk, "/comptes", {"email": NEWCOMER})

    assert response.status_code == 303
    created = user(desk, NEWCOMER)
    assert (created.role, created.commune_id, created.active) == ("agent", desk.commune_id, True)
    [welcome] = desk.mails(NEWCOMER, "welcome")
    assert "Mairie de Nice" in welcome.subject and NEWCOMER in welcome.body_text
    assert "Choisissez votre mot de passe" in welcome.body_text
    link = link_in(welcome)
    newcomer = desk.new_client()
    form = text_of(newcomer.get(link))
    newcomer.post(link, data={"csrf_token": csrf_of(form), "password": "mon premier secret",
                              "confirmation": "mon premier secret"})
    assert desk.login(NEWCOMER, "mon premier secret", client=newcomer).status_code == 303
    assert "Télédossiers à traiter" in text_of(newcomer.get("/gestion"))


def test_creating_an_account_twice_or_with_a_bad_address_says_why(desk: Desk) -> None:
    twice = admin_post(desk, "/comptes", {"email": AGENT})
    bad = admin_post(desk, "/comptes", {"email": "pas-une-adresse"})

    assert twice.status_code == 422 and f"Un compte existe déjà pour {AGENT}" in text_of(twice)
    assert bad.status_code == 422 and "Adresse électronique invalide" in text_of(bad)
    assert 'value="pas-une-adresse"' in text_of(bad)
    assert 'aria-describedby="aide-email erreur-email"' in text_of(bad)


def test_disabling_an_agent_asks_first_then_stops_their_login(desk: Desk) -> None:
    agent_id = user(desk, AGENT).id
    agent_client = desk.new_client()
    desk.login(AGENT, client=agent_client)

    asked = admin_post(desk, f"/comptes/{agent_id}/desactiver")

    assert asked.status_code == 200 and f"Désactiver le compte {AGENT} ?" in text_of(asked)
    assert user(desk, AGENT).active
    done = desk.client.post(f"{ADMIN_PAGE}/comptes/{agent_id}/desactiver", data={
        "csrf_token": csrf_of(text_of(asked)), "confirme": "oui"})
    assert done.status_code == 303 and not user(desk, AGENT).active
    assert agent_client.get("/gestion").status_code == 302  # logged out at once
    assert "Désactivé" in text_of(desk.client.get(ADMIN_PAGE))

    admin_post(desk, f"/comptes/{agent_id}/reactiver")
    assert user(desk, AGENT).active
    assert desk.login(AGENT, client=desk.new_client()).status_code == 303


def test_admin_cannot_disable_themselves_nor_another_communes_account(desk: Desk) -> None:
    own = admin_post(desk, f"/comptes/{user(desk, ADMIN).id}/desactiver", {"confirme": "oui"})
    foreign = admin_post(desk, f"/comptes/{user(desk, OTHER_AGENT).id}/desactiver",
                         {"confirme": "oui"})

    assert own.status_code == 303 and user(desk, ADMIN).active
    assert foreign.status_code == 404 and user(desk, OTHER_AGENT).active


def test_admin_chooses_who_receives_notifications(desk: Desk) -> None:
    agent_id, admin_id = user(desk, AGENT).id, user(desk, ADMIN).id
    page = text_of(desk.client.get(ADMIN_PAGE))
    assert f'<label for="notifier-{agent_id}">{AGENT}</label>' in page

    admin_post(desk, "/notifications", {"notifier": [str(agent_id)]})
    assert (user(desk, AGENT).wants_notifications, user(desk, ADMIN).wants_notifications) == (
        True, False)

    admin_post(desk, "/notifications", {"notifier": [str(admin_id)]})
    assert (user(desk, AGENT).wants_notifications, user(desk, ADMIN).wants_notifications) == (
        False, True)
    assert re.search(rf'id="notifier-{admin_id}"[^>]*checked', text_of(
        desk.client.get(ADMIN_PAGE)))


def test_admin_revokes_a_token_after_confirming_and_the_api_refuses_it(desk: Desk) -> None:
    secret = issue_token(desk.ctx, INSEE, label="Portail")
    other_secret = issue_token(desk.ctx, OTHER_INSEE)
    with desk.ctx.db.transaction() as session:
        token_id, other_id = session.scalars(select(ApiToken.id).order_by(ApiToken.id)).all()

    asked = admin_post(desk, f"/jetons/{token_id}/revoquer")
    assert asked.status_code == 200 and f"Révoquer le jeton d'API n° {token_id} ?" in \
        text_of(asked)
    assert desk.client.get("/api/v1/dossiers/TD-00000000",
                           headers={"Authorization": f"Bearer {secret}"}).status_code == 404
    done = desk.client.post(f"{ADMIN_PAGE}/jetons/{token_id}/revoquer", data={
        "csrf_token": csrf_of(text_of(asked)), "confirme": "oui"})

    assert done.status_code == 303
    assert "Révoqué le" in text_of(desk.client.get(ADMIN_PAGE))
    assert desk.client.get("/api/v1/dossiers/TD-00000000",
                           headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    foreign = admin_post(desk, f"/jetons/{other_id}/revoquer", {"confirme": "oui"})
    assert foreign.status_code == 404
    assert desk.client.get("/api/v1/dossiers/TD-00000000",
                           headers={"Authorization": f"Bearer {other_secret}"}).status_code \
        == 404


def test_admin_can_resend_a_password_link(desk: Desk) -> None:
    response = admin_post(desk, f"/comptes/{user(desk, AGENT).id}/lien")

    assert response.status_code == 303
    assert len(desk.mails(AGENT, "password_reset")) == 1
