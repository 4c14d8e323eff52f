"""A worker killed by SIGKILL in the middle of a stage loses no dossier, sends no mail twice."""

from __future__ import annotations

from collections import Counter

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.fault.conftest import AGENTS, Installation
from tests.processes import api, rco_dossier, wait_ready, wait_until

pytestmark = pytest.mark.fault

DOSSIERS = 12


def _psycopg_dsn(env: dict[str, str]) -> str:
    url = make_url(env["TELEDOSSIER_DATABASE_URL"])
    return f"host={url.host} port={url.port} user={url.username} dbname={url.database}"


def test_worker_killed_mid_stage_every_dossier_reaches_the_agents_once(
        installation: Installation) -> None:
    web = installation.start("web")
    wait_ready(installation.port)
    references = []
    for index in range(DOSSIERS):
        status, answer = api(installation.port, "POST", "/api/v1/dossiers", installation.token,
                             rco_dossier(index))
        assert status == 201, answer
        references.append(answer["reference"])
    dsn = _psycopg_dsn(installation.env)
    with psycopg.connect(dsn) as blocker, psycopg.connect(dsn, autocommit=True) as probe:
        # Hold every dossier's row: the worker's stage handlers will block inside their
        # transaction, message taken from the queue and not yet acknowledged.
        blocker.execute("SELECT id FROM dossiers FOR UPDATE").fetchall()
        worker = installation.start("worker")

        def worker_blocked_in_stage() -> bool:
            waiting = probe.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND query ILIKE '%FROM dossiers%FOR UPDATE%'").fetchone()[0]
            return waiting >= 2

        wait_until(worker_blocked_in_stage, 60, "worker threads blocked inside a stage")
        worker.kill()
        blocker.rollback()
    installation.start("worker")

    installation.wait_all_transmitted(references, timeout=120)
    received = installation.sink.wait_for(
        lambda got: sum(AGENTS in r.recipients for r in got) >= DOSSIERS, timeout=60)
    notified = Counter(ref for r in received if AGENTS in r.recipients
                       for ref in references if ref in r.subject)
    assert notified == Counter({ref: 1 for ref in references})
    acknowledged = Counter(r.recipients[0] for r in received if AGENTS not in r.recipients)
    assert sorted(acknowledged.values()) == [1] * DOSSIERS
    assert web.proc.poll() is None
