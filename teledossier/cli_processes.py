"""``teledossier up``, ``web``, ``worker``, ``mail-gateway`` and ``migrate``: the processes."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pipeline.settings import Settings
from teledossier.cli_common import add_command, new_runtime, serve_until_signal

#: Why ``web`` and ``worker`` refuse to start without RabbitMQ.
EMBEDDED_BROKER_REFUSAL = (
    "« teledossier {command} » ne peut pas démarrer avec la file de messages intégrée "
    "(TELEDOSSIER_BROKER_URL vide) : elle ne relie pas des processus séparés, les dossiers "
    "déposés sur le web n'atteindraient jamais les workers. Lancez « teledossier up » (tout "
    "en un seul processus) ou donnez à TELEDOSSIER_BROKER_URL l'adresse de RabbitMQ "
    "(amqp://utilisateur:motdepasse@hote:5672/vhost)."
)


def add_process_commands(sub: Any) -> None:
    up = add_command(sub, "up", cmd_up,
                     "tout dans un seul processus : web, workers, relais (démonstration)")
    up.add_argument("--host", default="127.0.0.1")
    web = add_command(sub, "web", cmd_web, "le serveur web (pages et API)")
    web.add_argument("--host", default="127.0.0.1")
    add_command(sub, "worker", cmd_worker, "les workers des étapes, le relais et le réconciliateur")
    add_command(sub, "migrate", cmd_migrate, "mettre la base de données au schéma courant")
    add_command(sub, "mail-gateway", cmd_mail_gateway,
                "la passerelle de courriel : réponses et avis de non-remise (SMTP, IMAP)")


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline.store.migrate import upgrade

    upgrade(settings.database_url)
    print("Base de données à jour.")
    return 0


def cmd_up(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline.demo import seed_demo_if_empty
    from pipeline.store.migrate import upgrade
    from teledossier.server import start_server
    from web_minimal import create_app

    upgrade(settings.database_url)
    runtime = new_runtime(settings)
    logins = seed_demo_if_empty(runtime.ctx)
    runtime.start_relay()
    runtime.start_worker()
    try:
        smtp_port: int | None = runtime.start_mail_gateway().smtp_port
    except OSError as error:
        # The demo goes on without it: /dev/mail still answers mail through the same path.
        print(f"Attention : {error}", file=sys.stderr)
        smtp_port = None
    server = start_server(create_app(runtime), args.host, settings.port, settings.web_threads)
    _print_welcome(settings, server.port, logins, smtp_port)
    return serve_until_signal(runtime, server.close)


def _print_welcome(settings: Settings, port: int, logins: Any, smtp_port: int | None) -> None:
    print(f"\nTélédossier est prêt : http://127.0.0.1:{port}", flush=True)
    print(f"  base de données : {settings.database_url}")
    print(f"  messagerie : {settings.broker_url or 'intégrée au processus'}")
    if settings.smtp_url:
        print(f"  courriels : {settings.smtp_url}")
    else:
        print(f"  courriels : gardés dans la base, lisibles sur http://127.0.0.1:{port}/dev/mail")
    if smtp_port is not None:
        print(f"  réponses par courriel : SMTP sur {settings.inbound_address[0]}:{smtp_port}"
              + (", relève IMAP" if settings.imap_url else ""))
    if logins is not None:
        print("\nCommune de démonstration « Démoville » (INSEE 99999) créée :")
        print(f"  administrateur : {logins.admin_email} / {logins.admin_password}")
        print(f"  agent          : {logins.agent_email} / {logins.agent_password}")
        print(f"  jeton d'API    : {logins.api_token}")
        print("  (notez-les : ils ne seront plus affichés)")
    print("\nArrêt : Ctrl+C\n", flush=True)


def _start_beside_others(settings: Settings, command: str) -> Any | None:
    """The runtime of a process meant to run beside others, its relay started; None (after
    saying why) when the in-process broker, which cannot link processes, is configured."""
    if settings.embedded_broker:
        print(f"Erreur : {EMBEDDED_BROKER_REFUSAL.format(command=command)}", file=sys.stderr)
        return None
    runtime = new_runtime(settings)
    runtime.start_relay()
    return runtime


def cmd_web(settings: Settings, args: argparse.Namespace) -> int:
    from teledossier.server import start_server
    from web_minimal import create_app

    runtime = _start_beside_others(settings, "web")
    if runtime is None:
        return 2
    server = start_server(create_app(runtime), args.host, settings.port, settings.web_threads)
    print(f"Serveur web : http://{args.host}:{server.port}", flush=True)
    return serve_until_signal(runtime, server.close)


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    runtime = _start_beside_others(settings, "worker")
    if runtime is None:
        return 2
    from workers.health import HealthServer

    runtime.start_worker()
    health = None
    if settings.health_port:
        health = HealthServer(runtime.ctx, "0.0.0.0", settings.health_port).start()
    print(f"Worker démarré ({settings.worker_threads} fils"
          + (f", santé sur le port {health.port}" if health else "") + ").", flush=True)
    return serve_until_signal(runtime, *([health.close] if health is not None else []))


def cmd_mail_gateway(settings: Settings, args: argparse.Namespace) -> int:
    runtime = _start_beside_others(settings, "mail-gateway")
    if runtime is None:
        return 2
    try:
        gateway = runtime.start_mail_gateway()
    except OSError:
        runtime.stop()
        raise
    print(f"Passerelle de courriel : SMTP sur {settings.inbound_address[0]}:{gateway.smtp_port}"
          + (", relève IMAP" if settings.imap_url else ""), flush=True)
    return serve_until_signal(runtime)
