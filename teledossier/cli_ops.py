"""``teledossier status`` and ``failed …``: where the pipeline stands, and work to replay."""

from __future__ import annotations

import argparse
from typing import Any

from pipeline.settings import Settings
from teledossier.cli_common import ZONE_NOTE, add_command, pipeline_context, print_rows, when


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
    from teledossier.status import print_status

    with pipeline_context(settings) as ctx:
        return print_status(ctx, as_json=args.json)


def cmd_failed_list(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline.ops.failed_work import list_failed

    with pipeline_context(settings) as ctx:
        rows = list_failed(ctx)
    print_rows(rows, "Aucun travail en échec.", _failed_line, ZONE_NOTE)
    return 0


def _failed_line(row: Any) -> str:
    reason = row.reason.strip().splitlines()[-1] if row.reason.strip() else ""
    return (f"{row.id:>6}  {when(row.failed_at)}  {row.queue:<12} "
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
