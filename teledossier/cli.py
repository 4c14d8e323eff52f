"""The ``teledossier`` command: run the processes, set up communes, look at the pipeline."""

from __future__ import annotations

import argparse
import logging
import sys

from pipeline.settings import Settings, SettingsError
from teledossier.cli_accounts import add_account_commands
from teledossier.cli_common import add_command, new_runtime
from teledossier.cli_communes import add_commune_commands, add_token_commands
from teledossier.cli_documents import add_document_commands
from teledossier.cli_exports import add_export_commands
from teledossier.cli_mail import add_mail_commands
from teledossier.cli_ops import add_ops_commands
from teledossier.cli_processes import add_process_commands


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
    add_process_commands(sub)
    add_mail_commands(sub)
    commune = add_commune_commands(sub)
    add_document_commands(sub, commune)
    add_token_commands(sub)
    add_account_commands(sub)
    add_ops_commands(sub)
    add_export_commands(sub)

    bench = add_command(sub, "bench", cmd_bench, "mesurer le débit (voir bench/README.md)")
    bench.add_argument("--mode", required=True,
                       choices=["lifecycle", "pipeline", "baseline", "replies", "outbound",
                                "documents", "exports"])
    bench.add_argument("--dossiers", type=int, default=500,
                       help="dossiers (pipeline, baseline), réponses (replies), courriels "
                            "(outbound), documents de chaque sorte (documents)")
    bench.add_argument("--clients", type=int, default=16)
    bench.add_argument("--workers", type=int, default=5,
                       help="processus workers (lifecycle, pipeline)")
    bench.add_argument("--rate", type=float, default=None,
                       help="arrivées par seconde (lifecycle ; défaut : au plus vite)")
    return parser


def cmd_bench(settings: Settings, args: argparse.Namespace) -> int:
    if args.mode == "lifecycle":
        from bench.lifecycle import run_lifecycle

        return run_lifecycle(settings, new_runtime, dossiers=args.dossiers,
                             clients=args.clients, workers=args.workers, rate=args.rate)
    if args.mode == "documents":
        from bench.documents import run_documents_bench

        return run_documents_bench(args.dossiers)
    if args.mode == "exports":
        from bench.exports import run_exports_bench

        return run_exports_bench(settings, new_runtime, args.dossiers)
    if args.mode in ("replies", "outbound"):
        from bench.mail import run_mail_bench

        return run_mail_bench(settings, new_runtime, mode=args.mode, count=args.dossiers,
                              clients=args.clients, workers=args.workers)
    from bench.pipeline import run_bench

    return run_bench(settings, new_runtime, mode=args.mode, dossiers=args.dossiers,
                     clients=args.clients, workers=args.workers)


if __name__ == "__main__":
    sys.exit(main())
