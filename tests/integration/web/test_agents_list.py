"""« Télédossiers à traiter », « Rechercher » and the archives, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest

from pipeline.commands.act import act_on_dossier
from pipeline.domain.lifecycle import Action
from teledossier.bootstrap import Runtime
from tests.integration.web.test_agents import (
    AGENT,
    NOW,
    Desk,
    ile_data,
    make_desk,
    rco_data,
    run_outbox,
    text_of,
)

ILE = "InscriptionListesElectorales"


@pytest.fixture
def desk(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> Desk:
    return make_desk(runtime_factory, sqlite_url)


def listed(page: str) -> list[str]:
    """The dossier references a list shows, in order."""
    return re.findall(r'href="/gestion/dossiers/(TD-[0-9A-Z]+)"', page)


def close(desk: Desk, reference: str) -> None:
    act_on_dossier(desk.ctx, desk.commune_id, reference, Action.CLORE, actor=AGENT,
                   channel="web")
    run_outbox(desk.ctx)


def test_list_shows_the_count_and_pages_of_25(desk: Desk) -> None:
    references = [desk.file(at=NOW - timedelta(hours=30 - i)) for i in range(27)]
    closed = references.pop()
    close(desk, closed)
    desk.file(commune_id=desk.other_commune_id)
    waiting = desk.file(process=False)  # still being checked: not for the agents yet
    desk.login()

    first = text_of(desk.client.get("/gestion"))

    assert "26 télédossiers à traiter" in first
    assert "Nombre : 26 (1 à 25)" in first
    assert listed(first) == references[:25]  # oldest first
    assert 'href="/gestion/?tri=demarche&ordre=croissant&page=2"' in first
    second = text_of(desk.client.get("/gestion?page=2"))
    assert "Nombre : 26 (26 à 26)" in second and listed(second) == references[25:]
    assert closed not in first + second and waiting not in first + second
    assert "Page 2 sur 2" in text_of(desk.client.get("/gestion?page=99"))


def test_ile_shows_its_decision_due_date_and_overdue_ones_come_first(desk: Desk) -> None:
    old_rco = desk.file(at=NOW - timedelta(days=20))
    overdue = desk.file(ILE, ile_data(), at=NOW - timedelta(days=8))
    in_time = desk.file(ILE, ile_data(name="ROUX"), at=NOW - timedelta(days=2))
    desk.login()

    for query in ("", "?tri=date", "?tri=demarche&ordre=decroissant"):
        page = text_of(desk.client.get(f"/gestion{query}"))
        assert listed(page)[0] == overdue, query
    page = text_of(desk.client.get("/gestion"))
    assert listed(page) == [overdue, in_time, old_rco]
    row = page[page.index(overdue):page.index(in_time)]
    assert "04/03/2026" in page and "09/03/2026" in row and "en retard" in row
    later = page[page.index(in_time):page.index(old_rco)]
    assert "15/03/2026" in later and "en retard" not in later
    assert "En retard" in page  # the group of overdue requests is named


def test_list_is_grouped_by_demarche_and_sortable_by_date(desk: Desk) -> None:
    rco_old = desk.file(at=NOW - timedelta(days=3))
    ile = desk.file(ILE, ile_data(), at=NOW - timedelta(days=2))
    rco_new = desk.file(at=NOW - timedelta(days=1))
    desk.login()

    grouped = text_of(desk.client.get("/gestion"))
    by_date = text_of(desk.client.get("/gestion?tri=date&ordre=decroissant"))
    reversed_groups = text_of(desk.client.get("/gestion?tri=demarche&ordre=decroissant"))

    assert listed(grouped) == [ile, rco_old, rco_new]
    assert "InscriptionListesElectorales — Demande d'inscription sur les listes électorales" \
        in grouped
    assert "RecensementCitoyen — Démarche d'inscription à la journée d'appel" in grouped
    assert listed(by_date) == [rco_new, ile, rco_old]
    assert listed(reversed_groups) == [rco_old, rco_new, ile]
    assert 'aria-sort="descending"' in by_date


def search(desk: Desk, query: str) -> list[str]:
    response = desk.client.get(f"/gestion/rechercher?{query}")
    assert response.status_code == 200
    return listed(text_of(response))


def test_search_by_number_name_email_and_dates(desk: Desk) -> None:
    national = rco_data("DUPONT", "Léa", "lea.dupont@example.org")
    national["Formalite"]["Identifiant"] = "A-9-NKT2G5KB"
    lea = desk.file(data=national, at=NOW - timedelta(days=10))
    lucas = desk.file(data=rco_data("MARTIN", "Lucas", "LUCAS@Exemple.fr"),
                      at=NOW - timedelta(days=5))
    julie = desk.file(ILE, ile_data("BERNARD", "Julie", "julie@example.org"),
                      at=NOW - timedelta(days=1))
    desk.file(commune_id=desk.other_commune_id, data=rco_data("DUPONT", "Léa"))
    desk.login()

    assert search(desk, f"numero={lucas.lower()}") == [lucas]
    assert search(desk, f"numero={lucas[3:8]}") == [lucas]
    assert search(desk, "numero=A-9-NKT2G5KB") == [lea]
    assert search(desk, "numero=nkt2g5") == [lea]
    assert search(desk, "nom=lea+dupont") == [lea]
    assert search(desk, "nom=DUPONT") == [lea]
    assert search(desk, "nom=julie") == [julie]
    assert search(desk, "courriel=exemple.fr") == [lucas]
    assert search(desk, "courriel=LUCAS@exemple") == [lucas]
    assert search(desk, "du=2026-03-03&au=2026-03-07") == [lucas]
    assert search(desk, "du=01/03/2026") == [julie, lucas, lea]  # newest first
    assert search(desk, "au=2026-03-02") == [lea]
    assert search(desk, "nom=personne") == []
    wrong = text_of(desk.client.get("/gestion/rechercher?du=2026-13-45"))
    assert "Date invalide" in wrong and 'aria-describedby="erreur-du"' in wrong


def test_closed_dossiers_are_kept_in_the_archives_and_searchable(desk: Desk) -> None:
    closed = desk.file(data=rco_data("LEROY", "Hugo", "hugo@example.org"),
                       at=NOW - timedelta(days=4))
    still_open = desk.file(data=rco_data("LEROY", "Emma", "emma@example.org"))
    close(desk, closed)
    desk.login()

    archives = text_of(desk.client.get("/gestion/archives"))
    todo = text_of(desk.client.get("/gestion"))

    assert listed(archives) == [closed] and "Dossier clos" in archives
    assert listed(todo) == [still_open]
    assert listed(text_of(desk.client.get("/gestion/archives?nom=hugo"))) == [closed]
    assert listed(text_of(desk.client.get("/gestion/archives?nom=emma"))) == []
    assert search(desk, "nom=leroy") == [still_open, closed]
    assert search(desk, "nom=leroy&dans=a_traiter") == [still_open]
    assert search(desk, "nom=leroy&dans=archives") == [closed]
    page = text_of(desk.client.get(f"/gestion/dossiers/{closed}"))
    assert "État actuel du dossier" in page and "Dossier clos" in page


@pytest.mark.postgres
def test_list_and_search_on_postgresql(runtime_factory: Callable[..., Runtime],
                                       pg_url: str) -> None:
    pg = make_desk(runtime_factory, pg_url)
    lea = pg.file(data=rco_data("DUPONT", "Léa", "lea@example.org"), at=NOW - timedelta(days=9))
    overdue = pg.file(ILE, ile_data("ÉMERY", "Zoé", "zoe@example.org"),
                      at=NOW - timedelta(days=7))
    recent = pg.file(ILE, ile_data(), at=NOW - timedelta(days=1))
    closed = pg.file(data=rco_data("LEROY", "Hugo", "hugo@example.org"))
    close(pg, closed)
    pg.login()

    page = text_of(pg.client.get("/gestion"))

    assert "3 télédossiers à traiter" in page
    assert listed(page) == [overdue, recent, lea] and "en retard" in page
    assert search(pg, "nom=emery+zoe") == [overdue]
    assert search(pg, "nom=LÉA") == [lea]
    assert search(pg, f"numero={lea.lower()}") == [lea]
    assert search(pg, "courriel=HUGO@") == [closed]
    assert search(pg, "du=2026-03-04&au=2026-03-11") == [overdue, recent]  # overdue first
    assert listed(text_of(pg.client.get("/gestion/archives"))) == [closed]
