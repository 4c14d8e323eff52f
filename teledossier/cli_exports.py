"""``teledossier export``: a commune's dossiers as CSV or XLSX, the same files as the pages give."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from typing import Any

from pipeline.settings import Settings
from teledossier.cli_common import add_command, pipeline_context

#: What ``--kind`` exports: the dossiers (filtered by ``--demarche``, filed between the dates),
#: or one of the two ready-made exports (decided or recensés between the dates).
KINDS = ("dossiers", "commission", "recenses")


def add_export_commands(sub: Any) -> None:
    export = add_command(sub, "export", cmd_export, (
        "exporter les dossiers d'une commune (CSV UTF-8 avec « ; », ou XLSX)"))
    export.add_argument("--commune", required=True, help="code INSEE")
    export.add_argument("--format", required=True, choices=["csv", "xlsx"])
    export.add_argument("--output", required=True, metavar="FICHIER",
                        help="fichier à écrire (« - » : la sortie standard, CSV seulement)")
    export.add_argument("--demarche", choices=["RecensementCitoyen",
                                               "InscriptionListesElectorales"])
    export.add_argument("--from", dest="since", metavar="AAAA-MM-JJ",
                        help="à partir de ce jour (dépôt ; décision pour commission et recenses)")
    export.add_argument("--to", dest="until", metavar="AAAA-MM-JJ", help="jusqu'à ce jour inclus")
    export.add_argument("--kind", choices=KINDS, default="dossiers", help=(
        "dossiers (défaut), commission (décisions ILE pour la commission de contrôle), "
        "recenses (RCO acceptés)"))


def _day(option: str, value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{option} attend une date AAAA-MM-JJ, pas « {value} »") from None


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline.commands.communes import find_commune
    from pipeline.documents.spreadsheets import csv_chunks, write_xlsx
    from pipeline.ops.exports import census_export, commission_export, dossier_export
    from pipeline.ops.search import DossierQuery, Scope

    since, until = _day("--from", args.since), _day("--to", args.until)
    if since and until and since > until:
        raise ValueError("--from est après --to")
    if args.output == "-" and args.format == "xlsx":
        raise ValueError("un classeur XLSX s'écrit dans un fichier : donnez --output")
    with pipeline_context(settings) as ctx:
        commune_id = find_commune(ctx, args.commune).id
        if args.kind == "commission":
            export = commission_export(ctx, commune_id, since, until)
        elif args.kind == "recenses":
            export = census_export(ctx, commune_id, since, until)
        else:
            export = dossier_export(ctx, DossierQuery(
                commune_id=commune_id, scope=Scope.ALL, since=since, until=until,
                demarche=args.demarche or ""))
        rows = _counted(export.rows())
        if args.format == "xlsx":
            write_xlsx(args.output, export.columns, rows)
        elif args.output == "-":
            for chunk in csv_chunks(export.columns, rows):
                sys.stdout.buffer.write(chunk)
            sys.stdout.flush()
        else:
            with open(args.output, "wb") as file:
                for chunk in csv_chunks(export.columns, rows):
                    file.write(chunk)
    if args.output != "-":
        print(f"{rows.count} dossier(s) exporté(s) dans {os.path.abspath(args.output)}.")
    return 0


class _counted:
    """The rows, counted as they go by."""

    def __init__(self, rows: Any) -> None:
        self.rows = rows
        self.count = 0

    def __iter__(self) -> Any:
        for row in self.rows:
            self.count += 1
            yield row
