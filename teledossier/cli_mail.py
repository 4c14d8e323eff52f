"""``teledossier mail …``: read a reply as the gateway does, and the operators' mail logs."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipeline.settings import Settings
from teledossier.cli_common import ZONE_NOTE, pipeline_context, print_rows, when


def add_mail_commands(sub: Any) -> None:
    mail = sub.add_parser("mail", help="courriels").add_subparsers(metavar="ACTION")
    parse_reply = mail.add_parser("parse-reply", help=(
        "afficher en JSON ce que la passerelle lit d'un message (sans toucher la base)"))
    parse_reply.set_defaults(run=cmd_parse_reply)
    parse_reply.add_argument("file", metavar="FICHIER", nargs="?",
                             help="message RFC 822 (.eml), - : entrée")
    parse_reply.add_argument("--corpus", metavar="DOSSIER", help=(
        "lire tous les messages d'un corpus (ses .eml et expected.json) et afficher le taux de "
        "réussite par classe et par client"))
    log = mail.add_parser("log", help="les derniers courriels reçus et ce qui en a été fait")
    log.set_defaults(run=cmd_log)
    log.add_argument("--limit", type=int, default=50)
    log.add_argument("--json", action="store_true")
    undelivered = mail.add_parser("undelivered", help=(
        "les courriels refusés par le relais ou revenus en erreur (rebonds)"))
    undelivered.set_defaults(run=cmd_undelivered)
    undelivered.add_argument("--limit", type=int, default=50)
    undelivered.add_argument("--json", action="store_true")


def cmd_parse_reply(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline.mail.replies.reply import read_reply

    if args.corpus:
        return _report_corpus(settings, Path(args.corpus))
    if not args.file:
        print("Erreur : donnez un FICHIER, - ou --corpus DOSSIER", file=sys.stderr)
        return 2
    try:
        raw = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as error:
        print(f"Erreur : lecture de {args.file} impossible ({error.strerror})", file=sys.stderr)
        return 1
    reply = read_reply(raw, mail_domain=settings.mail_domain)
    print(json.dumps(reply.to_json(), ensure_ascii=False))
    return 0


def _report_corpus(settings: Settings, folder: Path) -> int:
    from pipeline.mail.replies.corpus import run_corpus

    try:
        report = run_corpus(folder, settings.mail_domain)
    except (OSError, ValueError) as error:
        print(f"Erreur : corpus {folder} illisible ({error})", file=sys.stderr)
        return 1
    for title, key in (("Par classe", "klass"), ("Par client", "client")):
        print(f"{title} :")
        for name, (passed, total) in report.by(key).items():
            print(f"  {name:<22} {passed:>4}/{total:<4} {100 * passed / total:6.1f} %")
    for outcome in report.outcomes:
        if outcome.problems:
            print(f"ÉCHEC {outcome.path} : {' ; '.join(outcome.problems)}")
    total = len(report.outcomes)
    rate = total / report.seconds if report.seconds else 0.0
    print(f"Total : {report.passed}/{total} ; {total} messages lus en {report.seconds:.3f} s "
          f"({rate:.0f} par seconde)")
    return 0 if report.passed == total else 1


def cmd_log(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline.mail.replies.log import inbound_log

    with pipeline_context(settings) as ctx:
        entries = inbound_log(ctx, args.limit)
    _show(entries, args, "received_at", "Aucun courriel reçu.", _received_line)
    return 0


def _received_line(entry: Any) -> str:
    about = f" [{entry.reference}]" if entry.reference else ""
    return (f"{when(entry.received_at)} {entry.source:<7} {entry.status:<8}"
            f"{about} de {entry.sender or '?'} : {entry.outcome}")


def cmd_undelivered(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline.mail.replies.log import undelivered_mails

    with pipeline_context(settings) as ctx:
        mails = undelivered_mails(ctx, args.limit)
    _show(mails, args, "updated_at", "Aucun courriel en échec ni revenu en erreur.",
          _undelivered_line)
    if not args.json and any(mail.status == "failed" for mail in mails):
        print("Pour renvoyer un courriel en échec : teledossier failed list, puis "
              "teledossier failed replay ID")
    return 0


def _undelivered_line(mail: Any) -> str:
    about = f" [{mail.reference}]" if mail.reference else ""
    return (f"{when(mail.updated_at)} {mail.status:<8}{about} à {mail.recipient} "
            f"« {mail.subject} » : {mail.reason}")


def _show(rows: list[Any], args: argparse.Namespace, instant: str, none: str,
          line: Callable[[Any], str]) -> None:
    """Print ``rows`` as JSON (``--json``, ``instant`` in ISO 8601) or one ``line`` each."""
    if args.json:
        print(json.dumps([{**row.__dict__, instant: getattr(row, instant).isoformat()}
                          for row in rows], ensure_ascii=False, indent=2))
        return
    print_rows(rows, none, line, ZONE_NOTE)
