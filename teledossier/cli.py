"""The ``teledossier`` command: run the processes, set up communes, look at the pipeline."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from pipeline.settings import Settings, SettingsError
from teledossier.cli_documents import add_document_commands
from teledossier.cli_mail import add_mail_commands


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # waitress warns each time a request waits for a free thread: normal under load, and the
    # logging itself would cost the CPU the requests need.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    # pika logs every failed reconnection at ERROR; the relay and the workers report outages.
    logging.getLogger("pika").setLevel(logging.CRITICAL)
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"Configuration invalide : {error}", file=sys.stderr)
        return 2
    try:
        return args.run(settings, args) or 0
    except (SettingsError, ValueError, OSError) as error:
        print(f"Erreur : {error}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="teledossier", description=(
        "Télédossier : recensement citoyen et inscription sur les listes électorales."))
    sub = parser.add_subparsers(metavar="COMMANDE")

    def command(name: str, run: Callable[..., int | None], help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.set_defaults(run=run)
        return p

    up = command("up", cmd_up, "tout dans un seul processus : web, workers, relais (démonstration)")
    up.add_argument("--host", default="127.0.0.1")
    web = command("web", cmd_web, "le serveur web (pages et API)")
    web.add_argument("--host", default="127.0.0.1")
    command("worker", cmd_worker, "les workers des étapes, le relais et le réconciliateur")
    command("migrate", cmd_migrate, "mettre la base de données au schéma courant")
    command("mail-gateway", cmd_mail_gateway,
            "la passerelle de courriel : réponses et avis de non-remise (SMTP, IMAP)")
    add_mail_commands(sub)

    commune = sub.add_parser("commune", help="gérer les communes").add_subparsers(metavar="ACTION")
    create = commune.add_parser("create", help="créer une commune")
    create.set_defaults(run=cmd_commune_create)
    create.add_argument("--insee", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--agents-email", required=True)
    create.add_argument("--alias", action="append", default=[],
                        help="ancien code INSEE rattaché à la commune (répétable)")
    cset = commune.add_parser("set", help="modifier les réglages d'une commune")
    cset.set_defaults(run=cmd_commune_set)
    cset.add_argument("--insee", required=True)
    cset.add_argument("--agents-email", help="boîte du service qui reçoit les notifications")
    cset.add_argument("--rco-proof-of-address", metavar="oui|non",
                      help="exiger un justificatif de domicile pour le recensement (RCO)")
    clist = commune.add_parser("list", help="lister les communes et leurs réglages")
    clist.set_defaults(run=cmd_commune_list)
    add_document_commands(sub, commune)

    token = sub.add_parser("token", help="jetons d'API").add_subparsers(metavar="ACTION")
    tcreate = token.add_parser("create", help="créer un jeton (affiché seul sur la sortie)")
    tcreate.set_defaults(run=cmd_token_create)
    tcreate.add_argument("--commune", required=True, help="code INSEE")
    tcreate.add_argument("--scope", action="append", choices=["submit", "decide"])
    tcreate.add_argument("--label", default="")
    tlist = token.add_parser("list", help="lister les jetons d'une commune (jamais leur secret)")
    tlist.set_defaults(run=cmd_token_list)
    tlist.add_argument("--commune", required=True, help="code INSEE")
    trevoke = token.add_parser("revoke", help="révoquer un jeton (refusé aussitôt par l'API)")
    trevoke.set_defaults(run=cmd_token_revoke)
    trevoke.add_argument("id", metavar="ID", help="numéro du jeton (voir « token list »)")

    user = sub.add_parser("user", help="comptes").add_subparsers(metavar="ACTION")
    ucreate = user.add_parser("create", help="créer un compte")
    ucreate.set_defaults(run=cmd_user_create)
    ucreate.add_argument("--role", required=True, choices=["admin", "agent", "operator"])
    ucreate.add_argument("--commune", help="code INSEE (admin et agent)")
    ucreate.add_argument("--email", required=True)
    udisable = user.add_parser("disable", help=(
        "désactiver un compte (ses sessions se ferment, ses adresses de réponse aux "
        "notifications cessent d'agir)"))
    udisable.set_defaults(run=cmd_user_disable)
    udisable.add_argument("--email", required=True)
    uenable = user.add_parser("enable", help="réactiver un compte désactivé")
    uenable.set_defaults(run=cmd_user_enable)
    uenable.add_argument("--email", required=True)
    uend = user.add_parser("end-sessions", help=(
        "fermer toutes les sessions ouvertes d'un compte (il devra se reconnecter)"))
    uend.set_defaults(run=cmd_user_end_sessions)
    uend.add_argument("--email", required=True)

    status = command("status", cmd_status, "état du pipeline : dossiers, files, échecs")
    status.add_argument("--json", action="store_true")

    failed = sub.add_parser("failed", help="travail en échec").add_subparsers(metavar="ACTION")
    flist = failed.add_parser("list", help="lister le travail en échec")
    flist.set_defaults(run=cmd_failed_list)
    freplay = failed.add_parser("replay", help="rejouer un travail en échec")
    freplay.set_defaults(run=cmd_failed_replay)
    freplay.add_argument("ids", nargs="*", type=int)
    freplay.add_argument("--all", action="store_true")

    bench = command("bench", cmd_bench, "mesurer le débit (voir bench/README.md)")
    bench.add_argument("--mode", required=True,
                       choices=["pipeline", "baseline", "replies", "outbound", "documents"])
    bench.add_argument("--dossiers", type=int, default=500,
                       help="dossiers (pipeline, baseline), réponses (replies), courriels "
                            "(outbound), documents de chaque sorte (documents)")
    bench.add_argument("--clients", type=int, default=16)
    bench.add_argument("--workers", type=int, default=5, help="processus workers (pipeline)")
    return parser


def _runtime(settings: Settings) -> Any:
    from teledossier.bootstrap import build_runtime

    return build_runtime(settings)


@contextmanager
def _context(settings: Settings) -> Iterator[Any]:
    """The pipeline context for a one-off command, released when it is done."""
    runtime = _runtime(settings)
    try:
        yield runtime.ctx
    finally:
        runtime.stop()


def _wait_for_signal() -> None:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    while not stop.wait(1):
        pass


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
    runtime = _runtime(settings)
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
    try:
        _wait_for_signal()
    finally:
        server.close()
        runtime.stop()
    return 0


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


#: Why ``web`` and ``worker`` refuse to start without RabbitMQ.
EMBEDDED_BROKER_REFUSAL = (
    "« teledossier {command} » ne peut pas démarrer avec la file de messages intégrée "
    "(TELEDOSSIER_BROKER_URL vide) : elle ne relie pas des processus séparés, les dossiers "
    "déposés sur le web n'atteindraient jamais les workers. Lancez « teledossier up » (tout "
    "en un seul processus) ou donnez à TELEDOSSIER_BROKER_URL l'adresse de RabbitMQ "
    "(amqp://utilisateur:motdepasse@hote:5672/vhost)."
)


def _refuse_embedded_broker(settings: Settings, command: str) -> bool:
    """Say why a process meant to run beside others cannot use the in-process broker."""
    if not settings.embedded_broker:
        return False
    print(f"Erreur : {EMBEDDED_BROKER_REFUSAL.format(command=command)}", file=sys.stderr)
    return True


def cmd_web(settings: Settings, args: argparse.Namespace) -> int:
    from teledossier.server import start_server
    from web_minimal import create_app

    if _refuse_embedded_broker(settings, "web"):
        return 2
    runtime = _runtime(settings)
    runtime.start_relay()
    server = start_server(create_app(runtime), args.host, settings.port, settings.web_threads)
    print(f"Serveur web : http://{args.host}:{server.port}", flush=True)
    try:
        _wait_for_signal()
    finally:
        server.close()
        runtime.stop()
    return 0


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    if _refuse_embedded_broker(settings, "worker"):
        return 2
    from workers.health import HealthServer

    runtime = _runtime(settings)
    runtime.start_relay()
    runtime.start_worker()
    health = None
    if settings.health_port:
        health = HealthServer(runtime.ctx, "0.0.0.0", settings.health_port).start()
    print(f"Worker démarré ({settings.worker_threads} fils"
          + (f", santé sur le port {health.port}" if health else "") + ").", flush=True)
    try:
        _wait_for_signal()
    finally:
        if health is not None:
            health.close()
        runtime.stop()
    return 0


def cmd_mail_gateway(settings: Settings, args: argparse.Namespace) -> int:
    if _refuse_embedded_broker(settings, "mail-gateway"):
        return 2
    runtime = _runtime(settings)
    runtime.start_relay()
    try:
        gateway = runtime.start_mail_gateway()
    except OSError:
        runtime.stop()
        raise
    print(f"Passerelle de courriel : SMTP sur {settings.inbound_address[0]}:{gateway.smtp_port}"
          + (", relève IMAP" if settings.imap_url else ""), flush=True)
    try:
        _wait_for_signal()
    finally:
        runtime.stop()
    return 0


def cmd_commune_create(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline.commands.communes import create_commune

    with _context(settings) as ctx:
        commune = create_commune(ctx, insee=args.insee, name=args.name,
                                 agents_email=args.agents_email, aliases=tuple(args.alias))
    print(f"Commune {commune.insee} « {commune.name} » créée.")
    return 0


def cmd_token_create(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline.commands.communes import issue_token
    from pipeline.commands.tokens import SCOPES

    with _context(settings) as ctx:
        token = issue_token(ctx, args.commune, tuple(args.scope or SCOPES), args.label)
    print(token)
    return 0


def cmd_token_list(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline.commands.communes import commune_tokens

    with _context(settings) as ctx:
        tokens = commune_tokens(ctx, args.commune)
    if not tokens:
        print(f"Aucun jeton pour la commune {args.commune.strip().upper()}.")
        return 0
    print(f"{'ID':>6}  {'PORTÉES':<14}  {'CRÉÉ LE':<16}  {'RÉVOQUÉ LE':<16}  LIBELLÉ")
    for token in tokens:
        revoked = _when(token.revoked_at) if token.revoked_at else "-"
        print(f"{token.id:>6}  {','.join(token.scopes):<14}  {_when(token.created_at):<16}  "
              f"{revoked:<16}  {token.label}".rstrip())
    return 0


def cmd_token_revoke(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline.commands.communes import revoke_api_token

    raw = args.id.strip()
    if not raw.isdecimal() or int(raw) < 1:
        raise ValueError(f"numéro de jeton invalide : « {args.id} » (un nombre entier, "
                         "voir « teledossier token list --commune <INSEE> »)")
    with _context(settings) as ctx:
        token, revoked_now = revoke_api_token(ctx, int(raw))
    if revoked_now:
        print(f"Jeton {token.id} révoqué : l'API le refuse désormais.")
    else:
        print(f"Jeton {token.id} déjà révoqué le {_when(token.revoked_at)}.")
    return 0


def cmd_commune_set(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline.commands.communes import update_commune

    proof = None
    if args.rco_proof_of_address is not None:
        proof = _yes_no("--rco-proof-of-address", args.rco_proof_of_address)
    with _context(settings) as ctx:
        commune = update_commune(ctx, args.insee, agents_email=args.agents_email,
                                 rco_requires_proof_of_address=proof)
    print(f"Commune {commune.insee} « {commune.name} » modifiée :")
    _print_commune_settings(commune)
    return 0


def cmd_commune_list(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline.commands.communes import list_communes

    with _context(settings) as ctx:
        communes = list_communes(ctx)
    if not communes:
        print("Aucune commune ; créez-en une avec « teledossier commune create ».")
    for commune in communes:
        print(f"{commune.insee}  {commune.name}")
        _print_commune_settings(commune)
    return 0


def _print_commune_settings(commune: Any) -> None:
    print(f"  boîte du service : {commune.agents_email}")
    proof = "oui" if commune.rco_requires_proof_of_address else "non"
    print(f"  justificatif de domicile exigé (RCO) : {proof}")
    if commune.aliases:
        print(f"  anciens codes INSEE : {', '.join(commune.aliases)}")


def _yes_no(option: str, value: str) -> bool:
    answer = value.strip().lower()
    if answer not in ("oui", "non"):
        raise ValueError(f"{option} attend « oui » ou « non », pas « {value} »")
    return answer == "oui"


def _when(instant: Any) -> str:
    """An instant as agents read it: Paris time, day first."""
    from pipeline.domain.clock import PARIS

    return f"{instant.astimezone(PARIS):%d/%m/%Y %H:%M}"


def cmd_user_create(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline.commands.accounts import create_user

    with _context(settings) as ctx:
        user, password = create_user(ctx, email=args.email, role=args.role,
                                     commune_insee=args.commune)
    print(f"Compte {user.role} créé : {user.email}")
    print(f"Mot de passe : {password}")
    return 0


def cmd_user_disable(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline.commands.accounts import set_active

    with _context(settings) as ctx:
        set_active(ctx, args.email, active=False)
    print(f"Compte {args.email.strip().lower()} désactivé ; ses sessions sont fermées et ses "
          "adresses de réponse ne permettent plus d'agir.")
    return 0


def cmd_user_enable(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline.commands.accounts import set_active

    with _context(settings) as ctx:
        set_active(ctx, args.email, active=True)
    print(f"Compte {args.email.strip().lower()} réactivé.")
    return 0


def cmd_user_end_sessions(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline.commands.accounts import end_sessions

    with _context(settings) as ctx:
        end_sessions(ctx, args.email)
    print(f"Sessions du compte {args.email.strip().lower()} fermées : il devra se reconnecter.")
    return 0


def cmd_status(settings: Settings, args: argparse.Namespace) -> int:
    from teledossier.status import print_status

    with _context(settings) as ctx:
        return print_status(ctx, as_json=args.json)


def cmd_failed_list(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline.ops.failed_work import list_failed

    with _context(settings) as ctx:
        rows = list_failed(ctx)
    if not rows:
        print("Aucun travail en échec.")
    for row in rows:
        reason = row.reason.strip().splitlines()[-1] if row.reason.strip() else ""
        print(f"{row.id:>6}  {row.failed_at:%d/%m/%Y %H:%M}  {row.queue:<12} "
              f"{','.join(map(str, row.args))}  {reason}")
    return 0


def cmd_failed_replay(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline.ops.failed_work import list_failed, replay

    with _context(settings) as ctx:
        ids = [row.id for row in list_failed(ctx)] if args.all else args.ids
        if not ids:
            print("Rien à rejouer (donnez des numéros ou --all).")
            return 1
        done = [i for i in ids if replay(ctx, i)]
    print(f"{len(done)} travail(s) rejoué(s) sur {len(ids)}.")
    return 0 if len(done) == len(ids) else 1


def cmd_bench(settings: Settings, args: argparse.Namespace) -> int:
    if args.mode == "documents":
        from bench.documents import run_documents_bench

        return run_documents_bench(args.dossiers)
    if args.mode in ("replies", "outbound"):
        from bench.mail import run_mail_bench

        return run_mail_bench(settings, _runtime, mode=args.mode, count=args.dossiers,
                              clients=args.clients, workers=args.workers)
    from bench.pipeline import run_bench

    return run_bench(settings, _runtime, mode=args.mode, dossiers=args.dossiers,
                     clients=args.clients, workers=args.workers)


if __name__ == "__main__":
    sys.exit(main())
