"""``teledossier status`` and ``failed …``: where the pipeline stands, and work to replay."""

from __future__ import annotations

import argparse
import json
from typing import Any

from pipeline.settings import Settings
from teledossier.cli_common import add_command, pipeline_context, print_rows


def add_ops_commands(sub: Any) -> None:
    status = add_command(sub, "status", cmd_status, "état du pipeline : dossiers, files, échecs")
    status.add_argument("--json", action="store_true")

    failed = sub.add_parser("failed", help="travail en échec").add_subparsers(metavar="ACTION")
    flist = failed.add_parser("list", help="lister le travail en échec")
    flist.set_defaults(run=cmd_failed_list)
    freplay = failed.add_parser("replay", help="rejouer un travail en échec")
    freplay.set_defaults(run=cmd_failed_replay)
    freplay.add_argument("ids", nargs="*", type=int)
    freplay.add_argument("--all", action="store_true")


def cmd_status(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline.ops.status import gather_status

    with pipeline_context(settings) as ctx:
        report = gather_status(ctx)
    queues: list[Any] = []
    queue_error = None
    if settings.broker_url:
        from workers.inspect import queue_depths

        try:
            queues = queue_depths(settings.broker_url)
        except Exception as error:
            queue_error = str(error) or type(error).__name__
    if args.json:
        print(json.dumps({
            "dossiers_by_status": report.dossiers_by_status,
            "dossiers_by_stage": report.dossiers_by_stage,
            "outbox_backlog": report.outbox_backlog,
            "failed_work": report.failed_work,
            "mails_by_status": report.mails_by_status,
            "inbound_by_status": report.inbound_by_status,
            "oldest_stuck": [{"reference": s.reference, "stage": s.stage,
                              "since": s.since.isoformat(), "failed": s.failed}
                             for s in report.oldest_stuck],
            "queues": [q.__dict__ for q in queues],
            "queues_error": queue_error,
        }, ensure_ascii=False, indent=2))
        return 0
    print("Dossiers par état :")
    for status, count in sorted(report.dossiers_by_status.items()):
        print(f"  {status:<12} {count}")
    print("Dossiers en cours de traitement automatique :")
    for stage, count in sorted(report.dossiers_by_stage.items()):
        print(f"  {stage:<12} {count}")
    print(f"Messages en attente de publication (outbox) : {report.outbox_backlog}")
    print(f"Travail en échec à rejouer : {report.failed_work}")
    print("Courriels : " + (", ".join(f"{k} {v}" for k, v in sorted(
        report.mails_by_status.items())) or "aucun"))
    print("Courriels reçus : " + (", ".join(f"{k} {v}" for k, v in sorted(
        report.inbound_by_status.items())) or "aucun") + " (détail : teledossier mail log)")
    if report.oldest_stuck:
        print("Dossiers bloqués les plus anciens :")
        for stuck in report.oldest_stuck:
            mark = " (échec)" if stuck.failed else ""
            print(f"  {stuck.reference} étape {stuck.stage} depuis {stuck.since:%d/%m/%Y %H:%M}"
                  f"{mark}")
    if settings.broker_url:
        print("Files RabbitMQ (prêts / consommateurs / en attente de nouvel essai / morts) :")
        if queue_error:
            print(f"  injoignable : {queue_error}")
        for q in queues:
            print(f"  {q.queue:<12} {q.messages:>6} {q.consumers:>4} {q.delayed:>6} {q.dead:>6}")
    return 0


def cmd_failed_list(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline.ops.failed_work import list_failed

    with pipeline_context(settings) as ctx:
        rows = list_failed(ctx)
    print_rows(rows, "Aucun travail en échec.", _failed_line)
    return 0


def _failed_line(row: Any) -> str:
    reason = row.reason.strip().splitlines()[-1] if row.reason.strip() else ""
    return (f"{row.id:>6}  {row.failed_at:%d/%m/%Y %H:%M}  {row.queue:<12} "
            f"{','.join(map(str, row.args))}  {reason}")


def cmd_failed_replay(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline.ops.failed_work import list_failed, replay

    with pipeline_context(settings) as ctx:
        ids = [row.id for row in list_failed(ctx)] if args.all else args.ids
        if not ids:
            print("Rien à rejouer (donnez des numéros ou --all).")
            return 1
        done = [i for i in ids if replay(ctx, i)]
    print(f"{len(done)} travail(s) rejoué(s) sur {len(ids)}.")
    return 0 if len(done) == len(ids) else 1
