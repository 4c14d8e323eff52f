"""The operators' page: queues, states, stuck dossiers, failed work to replay, mail in and out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Response, current_app, flash, redirect, render_template, url_for
from sqlalchemy import select
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BuildError

from pipeline.context import PipelineContext
from pipeline.domain.lifecycle import STATUS_LABELS, Stage, Status
from pipeline.domain.queues import INBOUND_QUEUE, MAIL_QUEUE, WEBHOOK_QUEUE
from pipeline.mail.replies.log import inbound_log, undelivered_mails
from pipeline.ops.broker import BrokerFigures, QueueFigures, broker_figures
from pipeline.ops.failed_work import list_failed, replay
from pipeline.ops.status import StatusReport, gather_status
from pipeline.ops.webhook_calls import webhook_overview
from pipeline.store.model import Dossier, FailedWork, Mail
from web_minimal.auth import current_user, roles_required
from web_minimal.ops.blueprint import bp
from web_minimal.ops.masking import inbound_detail, last_line, mask_email, mask_text

#: Rows shown per list; the page says how many there are in all.
SHOWN = 100
INBOUND_LABELS = {
    "queued": "en attente",
    "applied": "commande appliquée",
    "message": "message transmis",
    "rejected": "refusé",
    "ignored": "ignoré",
    "bounce": "avis de non-remise",
    "suggested": "commande à confirmer",
    "answered": "confirmation reçue",
}
MAIL_STATUS_LABELS = {"failed": "échec d'envoi", "bounced": "revenu en erreur"}
#: French names of the queues.
QUEUE_LABELS = {
    Stage.INTAKE.value: "Réception",
    Stage.VALIDATION.value: "Vérification",
    Stage.NOTIFICATION.value: "Notification des agents",
    Stage.ATTESTATION.value: "Attestation",
    Stage.DEPOSIT.value: "Dépôt dans l'espace confidentiel",
    Stage.CLOSURE.value: "Clôture",
    MAIL_QUEUE: "Envoi des courriels",
    INBOUND_QUEUE: "Courriels reçus",
    WEBHOOK_QUEUE: "Appels des partenaires (webhooks)",
}


@dataclass(frozen=True)
class QueueRow:
    queue: str
    label: str
    waiting: int
    outbox: int
    failed: int
    broker: QueueFigures | None


@dataclass(frozen=True)
class FailedRow:
    id: int
    failed_at: Any
    queue: str
    reference: str | None
    attempts: int
    reason: str


def ctx() -> PipelineContext:
    return current_app.extensions["teledossier"].ctx


@bp.get("/ops")
@roles_required("operator")
def overview() -> str:
    """Everything an operator checks, in counts and technical lines, without personal data."""
    context = ctx()
    report = gather_status(context)
    broker = broker_figures(context.settings)
    failed = list_failed(context)
    return render_template(
        "ops/overview.html",
        queues=_queue_rows(report, broker),
        broker=broker,
        report=report,
        states=[(STATUS_LABELS[status], report.dossiers_by_status.get(status.value, 0))
                for status in Status],
        failed=_failed_rows(context, failed[:SHOWN]),
        failed_total=len(failed),
        undelivered=_undelivered(context, failed),
        inbound=[_inbound_row(entry) for entry in inbound_log(context, limit=SHOWN)],
        webhooks=webhook_overview(context),
    )


@bp.post("/ops/echecs/<int:failed_id>/rejouer")
@roles_required("operator")
def replay_one(failed_id: int) -> Response:
    """« Rejouer » (or « Renvoyer » for a mail): the work goes back in its queue."""
    context = ctx()
    with context.db.transaction() as session:
        queue = session.scalar(select(FailedWork.queue).where(FailedWork.id == failed_id))
    if queue is not None and replay(context, failed_id):
        if queue == MAIL_QUEUE:
            flash(f"Courriel remis en attente d'envoi (travail n° {failed_id}).")
        else:
            flash(f"Travail n° {failed_id} rejoué : il repart dans la file « {queue} ».")
    else:
        flash(f"Le travail n° {failed_id} n'existe pas ou a déjà été rejoué.", "error")
    return redirect(url_for("ops.overview") + "#echecs", code=303)


@bp.post("/ops/echecs/rejouer-tout")
@roles_required("operator")
def replay_all() -> Response:
    """« Tout rejouer »: every failed work not replayed yet goes back in its queue."""
    context = ctx()
    ids = [row.id for row in list_failed(context)]
    done = sum(1 for failed_id in ids if replay(context, failed_id))
    if ids:
        flash(f"{done} travail(s) rejoué(s) sur {len(ids)}.")
    else:
        flash("Aucun travail en échec à rejouer.")
    return redirect(url_for("ops.overview") + "#echecs", code=303)


def _queue_rows(report: StatusReport, broker: BrokerFigures) -> list[QueueRow]:
    """Each queue's figures from the database, and from the broker when it answered."""
    return [QueueRow(q.queue, QUEUE_LABELS.get(q.queue, q.queue), q.waiting, q.outbox, q.failed,
                     broker.queues.get(q.queue)) for q in report.queues]


def _failed_rows(context: PipelineContext, rows: list[FailedWork]) -> list[FailedRow]:
    ids = {row.dossier_id for row in rows if row.dossier_id}
    references: dict[str, str] = {}
    if ids:
        with context.db.transaction() as session:
            references = dict(session.execute(
                select(Dossier.id, Dossier.reference).where(Dossier.id.in_(ids))).all())
    return [FailedRow(row.id, row.failed_at, row.queue, references.get(row.dossier_id or ""),
                      row.attempts, last_line(row.reason)) for row in rows]


def _undelivered(context: PipelineContext, failed: list[FailedWork]) -> list[dict[str, Any]]:
    """Failed and bounced mails; a failed one carries the failed work that sends it again."""
    # The log gives no mail id: its failed work (args = [mail id]) is matched by what the log
    # does give, recipient, subject and time, which together tell two mails apart.
    mail_work = {str(row.args[0]): row.id for row in failed if row.queue == MAIL_QUEUE and row.args}
    resend: dict[tuple[Any, ...], int] = {}
    if mail_work:
        with context.db.transaction() as session:
            for mail_id, recipient, subject, updated_at in session.execute(
                    select(Mail.id, Mail.recipient, Mail.subject, Mail.updated_at)
                    .where(Mail.id.in_(list(mail_work)), Mail.status == "failed")):
                resend[(recipient, subject, updated_at)] = mail_work[mail_id]
    return [{
        "at": mail.updated_at,
        "recipient": mask_email(mail.recipient),
        "subject": mask_text(mail.subject),
        "status": MAIL_STATUS_LABELS.get(mail.status, mail.status),
        "reason": last_line(mail.reason),
        "reference": mail.reference,
        "failed_id": resend.get((mail.recipient, mail.subject, mail.updated_at))
        if mail.status == "failed" else None,
    } for mail in undelivered_mails(context, limit=SHOWN)]


def _inbound_row(entry: Any) -> dict[str, Any]:
    # The subject is left out: the sender wrote it, and it may hold a name.
    return {"at": entry.received_at, "source": entry.source,
            "sender": mask_email(entry.sender) if entry.sender else "",
            "status": INBOUND_LABELS.get(entry.status, entry.status),
            "detail": inbound_detail(entry.outcome), "reference": entry.reference}


@bp.context_processor
def page_links() -> dict[str, Any]:
    try:
        logout_url = url_for("agents.logout_post")
    except BuildError:  # the agents' pages define it; the operators' page works without it
        logout_url = None
    return {"user": current_user(), "logout_url": logout_url}


def _forbidden(error: HTTPException) -> tuple[str, int]:
    return render_template("ops/forbidden.html"), 403


bp.register_error_handler(403, _forbidden)
