"""Error pages speak French to people and JSON to programs."""

from __future__ import annotations

import html
from collections.abc import Callable

from teledossier.bootstrap import Runtime
from web_minimal import create_app


def test_people_get_french_error_pages_and_programs_json(
        runtime_factory: Callable[..., Runtime], sqlite_url: str) -> None:
    client = create_app(runtime_factory(sqlite_url)).test_client()

    missing = client.get("/nulle-part")
    wrong_method = client.get("/gestion/deconnexion")
    no_token = client.post("/dev/mail/inconnu/repondre", data={})
    api_missing = client.get("/api/v1/nulle-part")

    assert missing.status_code == 404
    assert "Cette page n'existe pas" in html.unescape(missing.get_data(as_text=True))
    assert wrong_method.status_code == 405
    assert "passez par le formulaire" in html.unescape(wrong_method.get_data(as_text=True))
    assert no_token.status_code == 400
    assert "Formulaire expiré" in html.unescape(no_token.get_data(as_text=True))
    assert api_missing.status_code == 404 and api_missing.is_json

