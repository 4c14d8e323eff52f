"""Error pages speak French to people and JSON to programs."""

from __future__ import annotations

import html
import sqlite3
from collections.abc import Callable

import pytest

import pipeline.store.db
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



def test_a_locked_database_answers_503_with_retry_after_not_500(
        runtime_factory: Callable[..., Runtime], sqlite_url: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    runtime = runtime_factory(sqlite_url)
    client = create_app(runtime).test_client()
    # What SQLite answers once its busy timeout has passed with another writer holding the lock.
    monkeypatch.setattr(pipeline.store.db, "SQLITE_BUSY_TIMEOUT_MS", 1)
    runtime.ctx.db.dispose()
    holder = sqlite3.connect(sqlite_url.split("///", 1)[1], isolation_level=None)
    holder.execute("PRAGMA busy_timeout=1")
    holder.execute("BEGIN IMMEDIATE")
    try:
        api = client.post("/api/v1/dossiers", json={},
                          headers={"Authorization": "Bearer td_inconnu"})
        ready = client.get("/readyz")
    finally:
        holder.rollback()
        holder.close()
    assert api.status_code == 503 and api.is_json
    assert api.headers["Retry-After"] == "5"
    assert api.get_json()["error"] == "service indisponible"
    assert ready.status_code == 503
