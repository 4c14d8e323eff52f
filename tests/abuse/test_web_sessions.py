"""A copied session cookie replayed after the session ended opens nothing."""

from __future__ import annotations

import re
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest

from tests.abuse.conftest import Answer, Instance
from tests.processes import wait_until

pytestmark = pytest.mark.abuse

LOGIN = "/gestion/connexion"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    """Just enough of a browser: one cookie jar, forms posted with their CSRF token."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.cookies: dict[str, str] = {}

    def get(self, path: str) -> Answer:
        return self._send("GET", path, None)

    def post_form(self, form_page: str, path: str, fields: dict[str, str]) -> Answer:
        token = CSRF.search(self.get(form_page).text)
        assert token, f"no CSRF token on {form_page}"
        return self._send("POST", path, urlencode({**fields, "csrf_token": token[1]}).encode())

    def _send(self, method: str, path: str, body: bytes | None) -> Answer:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        answer = self.instance.request(method, path, body, headers)
        for line in answer.headers.get("set-cookie", "").split("\n"):
            for name, morsel in SimpleCookie(line).items():
                if morsel.value:
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return answer


def logged_in_agent(instance: Instance, password: str | None = None) -> Browser:
    browser = Browser(instance)
    answer = browser.post_form(LOGIN, LOGIN, {"email": instance.agent_email,
                                              "password": password or instance.agent_password})
    assert answer.status == 303, answer.text[:500]
    assert browser.get("/gestion").status == 200
    return browser


def replayed(instance: Instance, cookies: dict[str, str]) -> Answer:
    thief = Browser(instance)
    thief.cookies = dict(cookies)
    return thief.get("/gestion")


def shows_login(answer: Answer) -> bool:
    return answer.status in (302, 303) and LOGIN in answer.headers.get("location", "")


def test_cookie_replayed_after_logout_opens_nothing(instance: Instance) -> None:
    agent = logged_in_agent(instance)
    copied = dict(agent.cookies)
    before = instance.stored()
    assert agent.post_form("/gestion", "/gestion/deconnexion", {}).status == 303
    answer = replayed(instance, copied)
    assert shows_login(answer), (answer.status, answer.text[:300])
    assert instance.stored() == before
    instance.keeps_moving()


def test_cookie_replayed_after_a_password_reset_opens_nothing(instance: Instance) -> None:
    agent = logged_in_agent(instance)
    copied = dict(agent.cookies)
    stranger = Browser(instance)
    sent = len(instance.sink.received)
    lost = "/gestion/mot-de-passe-perdu"
    assert stranger.post_form(lost, lost, {"email": instance.agent_email}).status == 200
    wait_until(lambda: any(instance.agent_email in r.recipients
                           for r in instance.sink.received[sent:]), 30, "the reset mail")
    mail = next(r for r in instance.sink.received[sent:] if instance.agent_email in r.recipients)
    link = re.search(r"https?://\S+(/gestion/nouveau-mot-de-passe/\S+)", mail.body)
    assert link, mail.body
    new_password = "un nouveau mot de passe solide"
    answer = stranger.post_form(link[1], link[1], {"password": new_password,
                                                   "confirmation": new_password})
    assert answer.status in (200, 303), answer.text[:500]
    instance.agent_password = new_password
    answer = replayed(instance, copied)
    assert shows_login(answer), (answer.status, answer.text[:300])
    instance.keeps_moving()


def test_forged_cookie_opens_nothing(instance: Instance) -> None:
    agent = logged_in_agent(instance)
    forged = {name: value[:-4] + "AAAA" for name, value in agent.cookies.items()}
    assert shows_login(replayed(instance, forged))
