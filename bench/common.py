"""What the benches share: the stack they measure, their commune and citizens, their processes."""

from __future__ import annotations

import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.sink import RecordingHandler, start_sink
from pipeline.settings import Settings, SettingsError

EXE = str(Path(sys.executable).with_name("teledossier"))


def require_server_stack(settings: Settings, mode: str) -> None:
    """Refuse to measure anything but PostgreSQL and RabbitMQ."""
    if settings.uses_sqlite or settings.embedded_broker:
        raise SettingsError(f"le banc « {mode} » mesure PostgreSQL et RabbitMQ : définissez "
                            "TELEDOSSIER_DATABASE_URL (postgresql+psycopg://…) et "
                            "TELEDOSSIER_BROKER_URL (amqp://…)")


@contextmanager
def migrated_with_sink(settings: Settings) -> Iterator[tuple[RecordingHandler, int]]:
    """The database at the current schema, and an SMTP sink (its handler and port) meanwhile."""
    from pipeline.store.migrate import upgrade

    upgrade(settings.database_url)
    controller, sink = start_sink()
    try:
        yield sink, controller.port
    finally:
        controller.stop()


def bench_commune(ctx: Any) -> tuple[str, str]:
    """A commune of the benchmark's own, with a fictitious code; returns (INSEE, token)."""
    from pipeline.commands.communes import CommuneError, create_commune, issue_token

    for _ in range(50):
        insee = f"99{random.randint(0, 998):03d}"
        try:
            create_commune(ctx, insee=insee, name="Bancville",
                           agents_email=f"agents-{insee}@banc.test")
        except CommuneError:
            continue
        return insee, issue_token(ctx, insee, label="banc")
    raise RuntimeError("no free fictitious INSEE code for the benchmark commune")


def person(index: int) -> dict[str, Any]:
    """The Personne of a complete RCO dossier: someone who turned 16 last month."""
    return {
        "NomFamille": f"Martin{index}", "PrenomUsuel": "Camille", "Sexe": "1",
        "DateNaissance": _sixteen_last_month(),
        "LieuNaissance": {"Code": "COMMUNE", "Nom": "Lyon"},
        "AdresseDomicile": {"NumeroVoie": "3", "NomVoie": "rue des Écoles",
                            "CodePostal": "99999", "Localite": "Bancville"},
        "MethodeContact": [{"URI": f"camille{index}@example.org", "CanalCode": "EMAIL"}],
    }


def _sixteen_last_month() -> str:
    today = time.localtime()
    month = today.tm_mon - 1 or 12
    year = today.tm_year - 16 - (1 if today.tm_mon == 1 else 0)
    return f"01/{month:02d}/{year}"


def wait_for(done: Callable[[], bool], expected: int, progress: Callable[[], int], what: str,
             timeout: float = 600, poll: float = 0.1) -> None:
    """Wait until ``done()``, saying every 5 s how far ``progress()`` is of ``expected``."""
    deadline = time.monotonic() + timeout
    last_report = time.monotonic()
    while not done():
        if time.monotonic() > deadline:
            raise RuntimeError(f"seulement {progress()}/{expected} {what} après {timeout:.0f} s")
        if time.monotonic() - last_report > 5:
            print(f"  {progress()}/{expected} {what}", file=sys.stderr)
            last_report = time.monotonic()
        time.sleep(poll)


def run_concurrently(client: Callable[[], None], clients: int) -> None:
    """Run ``client`` in ``clients`` threads at once, and wait for every one."""
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@contextmanager
def processes(commands: list[str], env: dict[str, str] | list[dict[str, str]]
              ) -> Iterator[list[subprocess.Popen[bytes]]]:
    """``teledossier COMMAND`` for each command, stopped (then killed if need be) at the end.

    ``env`` is every process's environment, or a list giving each its own.
    """
    envs = env if isinstance(env, list) else [env] * len(commands)
    procs = [subprocess.Popen([EXE, command], env=environment, stdout=subprocess.DEVNULL)
             for command, environment in zip(commands, envs, strict=True)]
    try:
        yield procs
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
