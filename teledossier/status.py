"""``teledossier status``: the pipeline's state for operators, as text or JSON.

The figures are the core's: the database's read model (``pipeline.ops.status``) and the broker
inspector (``pipeline.ops.broker``), the same as the operators' page. When RabbitMQ's management
API does not answer, or with the in-process broker, the queues show the database's figures
alone, with the reason.
"""

from __future__ import annotations

import json
from typing import Any

from pipeline.context import PipelineContext
from pipeline.ops.broker import BrokerFigures, broker_figures
from pipeline.ops.status import StatusReport, gather_status
from teledossier.cli_common import ZONE_NOTE, when


def print_status(ctx: PipelineContext, *, as_json: bool) -> int:
    report = gather_status(ctx)
    broker = broker_figures(ctx.settings)
    if as_json:
        print(json.dumps(_as_json(report, broker), ensure_ascii=False, indent=2))
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
        print(f"Dossiers bloqués les plus anciens {ZONE_NOTE} :")
        for stuck in report.oldest_stuck:
            mark = " (échec)" if stuck.failed else ""
            print(f"  {stuck.reference} étape {stuck.stage} depuis {when(stuck.since)}"
                  f"{mark}")
    _print_queues(report, broker)
    return 0


def _print_queues(report: StatusReport, broker: BrokerFigures) -> None:
    if broker.known:
        print("Files RabbitMQ (base : en attente / à publier / en échec | RabbitMQ : prêts / "
              "en cours / consommateurs / en attente de nouvel essai / morts) :")
    else:
        print(f"Files (base : en attente / à publier / en échec) ; chiffres de RabbitMQ "
              f"indisponibles : {broker.unavailable}")
    for q in report.queues:
        line = f"  {q.queue:<12} {q.waiting:>6} {q.outbox:>6} {q.failed:>6}"
        if (figures := broker.queues.get(q.queue)) is not None:
            line += (f" | {figures.ready:>6} {figures.unacknowledged:>6} {figures.consumers:>4}"
                     f" {figures.delayed:>6} {figures.dead:>6}")
        print(line)


def _as_json(report: StatusReport, broker: BrokerFigures) -> dict[str, Any]:
    queues = []
    for q in report.queues:
        row: dict[str, Any] = {"queue": q.queue, "waiting": q.waiting, "outbox": q.outbox,
                               "failed": q.failed}
        if (figures := broker.queues.get(q.queue)) is not None:
            row.update(messages=figures.ready, unacknowledged=figures.unacknowledged,
                       consumers=figures.consumers, delayed=figures.delayed, dead=figures.dead)
        queues.append(row)
    return {
        "dossiers_by_status": report.dossiers_by_status,
        "dossiers_by_stage": report.dossiers_by_stage,
        "outbox_backlog": report.outbox_backlog,
        "failed_work": report.failed_work,
        "mails_by_status": report.mails_by_status,
        "inbound_by_status": report.inbound_by_status,
        "oldest_stuck": [{"reference": s.reference, "stage": s.stage,
                          "since": s.since.isoformat(), "failed": s.failed}
                         for s in report.oldest_stuck],
        "queues": queues,
        "queues_error": broker.unavailable or None,
    }
