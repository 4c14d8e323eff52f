"""Hostile JSON bodies on ``POST /api/v1/dossiers``: a clear 4xx, nothing stored, flow goes on."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.abuse.conftest import Instance
from tests.processes import rco_dossier

pytestmark = pytest.mark.abuse

MEGABYTE = 1024 * 1024


def with_person(**values: Any) -> dict[str, Any]:
    dossier = rco_dossier(1)
    dossier["data"]["Personne"].update(values)
    return dossier


def with_father(name: str) -> dict[str, Any]:
    dossier = rco_dossier(1)
    dossier["data"]["FiliationPere"] = {"NomFamille": name, "Prenoms": "Jean"}
    return dossier


def nested(depth: int) -> dict[str, Any]:
    dossier = rco_dossier(1)
    inner: Any = "x"
    for _ in range(depth):
        inner = {"a": inner}
    dossier["data"]["Personne"]["Profondeur"] = inner
    return dossier


def many_attachments(count: int) -> dict[str, Any]:
    dossier = rco_dossier(1)
    piece = dossier["attachments"][0]
    dossier["attachments"] = [dict(piece, filename=f"cni{i}.pdf") for i in range(count)]
    return dossier


@dataclass(frozen=True)
class Body:
    name: str
    build: Callable[[], Any]
    status: int
    says: str
    raw: bool = False
    content_type: str = "application/json"


CASES = [
    Body("nom de famille d'un mégaoctet", lambda: with_person(NomFamille="A" * MEGABYTE),
         400, "Personne.NomFamille"),
    Body("nom du père d'un mégaoctet", lambda: with_father("B" * MEGABYTE),
         400, "FiliationPere.NomFamille"),
    Body("nom de 20 000 caractères", lambda: with_person(NomFamille="Ø" * 20_000),
         400, "Personne.NomFamille"),
    Body("prénom d'un mot sans fin", lambda: with_person(PrenomUsuel="x" * 60_000),
         400, "Personne.PrenomUsuel"),
    Body("900 niveaux d'imbrication", lambda: nested(900), 400, "trop de niveaux imbriqués"),
    Body("60 000 niveaux d'imbrication", lambda: '{"a":' * 60_000 + "1" + "}" * 60_000,
         400, "body", raw=True),
    Body("date de naissance 01/01/0001", lambda: with_person(DateNaissance="01/01/0001"),
         400, "Personne.DateNaissance"),
    Body("date de naissance 31/02/2010", lambda: with_person(DateNaissance="31/02/2010"),
         400, "Personne.DateNaissance"),
    Body("date de naissance dans le futur", lambda: with_person(DateNaissance="01/01/2999"),
         400, "Personne.DateNaissance"),
    Body("JSON illisible", lambda: b'{"demarche": ', 400, "JSON illisible", raw=True),
    Body("pas de l'UTF-8", lambda: b'{"demarche": "\xff"}', 400, "UTF-8", raw=True),
    Body("un tableau au lieu d'un objet", lambda: [1, 2, 3], 400, "objet JSON"),
    Body("data d'un mauvais type", lambda: {"demarche": "RecensementCitoyen", "data": "x"},
         400, "data"),
    Body("démarche inconnue", lambda: dict(rco_dossier(1), demarche="Autre"), 400,
         "démarche inconnue"),
    Body("base64 invalide", lambda: dict(rco_dossier(1), attachments=[
        {"kind": "justificatif_identite", "filename": "a.pdf", "content_base64": "%%%"}]),
        400, "base64"),
    Body("type de pièce inconnu", lambda: dict(rco_dossier(1), attachments=[
        {"kind": "virus", "filename": "a.pdf",
         "content_base64": base64.b64encode(b"%PDF-1.4\n%%EOF").decode()}]),
        400, "attachments[0]"),
    Body("cinq cents pièces jointes", lambda: many_attachments(500), 400, "attachments"),
    Body("texte brut", lambda: b"NomFamille=x", 415, "type de contenu", raw=True,
         content_type="text/plain"),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_json_body_is_refused_and_changes_nothing(instance: Instance,
                                                          case: Body) -> None:
    def send():  # type: ignore[no-untyped-def]
        built = case.build()
        raw = built if case.raw else json.dumps(built).encode()
        if isinstance(raw, str):
            raw = raw.encode()
        return instance.api("POST", "/api/v1/dossiers", raw=raw, content_type=case.content_type)

    answer = instance.refuses_and_keeps_nothing(send, case.status, case.says)
    assert answer.headers["content-type"].startswith("application/json")


def test_body_past_the_request_limit_is_refused_before_it_is_read(instance: Instance) -> None:
    huge = b'{"demarche": "' + b"A" * (41 * MEGABYTE) + b'"}'
    instance.refuses_and_keeps_nothing(
        lambda: instance.api("POST", "/api/v1/dossiers", raw=huge), 413, "trop volumineuse")


def test_overlong_comment_on_an_action_is_refused(instance: Instance) -> None:
    reference = instance.keeps_moving()
    instance.refuses_and_keeps_nothing(
        lambda: instance.api("POST", f"/api/v1/dossiers/{reference}/actions",
                             {"action": "completer", "comment": "x" * MEGABYTE}),
        400, "comment")
