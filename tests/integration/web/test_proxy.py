"""Behind a reverse proxy declared by TELEDOSSIER_PROXY_HOPS, each visitor is told apart."""

from __future__ import annotations

from collections.abc import Callable

from teledossier.bootstrap import Runtime
from web_minimal import create_app


def test_behind_a_declared_proxy_the_forwarded_client_is_the_client(
        runtime_factory: Callable[..., Runtime], sqlite_url: str) -> None:
    from flask import request

    seen: list[str | None] = []
    for hops in (0, 1):
        app = create_app(runtime_factory(sqlite_url, proxy_hops=hops))
        app.add_url_rule("/adresse", "adresse", lambda: seen.append(request.remote_addr) or "")
        app.test_client().get("/adresse", headers={"X-Forwarded-For": "203.0.113.9"},
                              environ_base={"REMOTE_ADDR": "10.0.0.2"})

    assert seen == ["10.0.0.2", "203.0.113.9"]
