"""``/metrics``: aggregate figures in Prometheus text format 0.0.4, without personal data."""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Iterable

from flask import Response, current_app, request

from pipeline.context import PipelineContext
from pipeline.domain.lifecycle import Stage, Status
from pipeline.ops.broker import broker_figures
from pipeline.ops.durations import quantile, step_durations
from pipeline.ops.status import gather_status
from pipeline.ops.usage import process_metrics
from pipeline.store.cache import TtlCache
from web_minimal.ops.blueprint import bp

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
MAIL_STATUSES = ("pending", "sending", "sent", "failed", "bounced")
INBOUND_STATUSES = ("queued", "applied", "message", "rejected", "ignored", "bounce", "suggested",
                    "answered")
#: Durations are computed at most this often per application, however often it is scraped.
DURATIONS_TTL_SECONDS = 60
#: Quantiles published for each step.
QUANTILES = (0.5, 0.9, 0.99)

#: Per-queue figures from RabbitMQ: QueueFigures attribute → HELP text.
BROKER_FAMILIES = {
    "ready": "Messages prêts dans la file RabbitMQ.",
    "unacknowledged": "Messages remis à un worker et pas encore acquittés (travail en cours).",
    "consumers": "Consommateurs de la file (canaux des workers).",
    "delayed": "Messages en attente d'un nouvel essai (file .DQ).",
    "dead": "Messages morts (file .XQ) ; on les rejoue depuis le travail en échec.",
}

Sample = tuple[dict[str, str], float]


class Exposition:
    """Metric families written one after the other, each with its HELP and TYPE lines."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, name: str, help_text: str, samples: Iterable[Sample],
            kind: str = "gauge") -> None:
        self.lines.append(f"# HELP {name} {_escape_help(help_text)}")
        self.lines.append(f"# TYPE {name} {kind}")
        for labels, value in samples:
            pairs = ",".join(f'{key}="{_escape_label(val)}"' for key, val in labels.items())
            self.lines.append(f"{name}{{{pairs}}} {_number(value)}" if pairs
                              else f"{name} {_number(value)}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


@bp.get("/metrics")
def metrics() -> Response:
    """Queues, dossiers, mails, replies, failures and step durations, for a Prometheus server."""
    ctx = current_app.extensions["teledossier"].ctx
    if not _allowed(ctx, request.remote_addr):
        # Plain text for a program, not the operators' HTML page for refused visitors.
        return Response(f"403 accès refusé : l'adresse {request.remote_addr} n'est pas dans "
                        "TELEDOSSIER_METRICS_ALLOW\n", status=403, content_type=CONTENT_TYPE)
    return Response(collect(ctx).text() + process_metrics(ctx, "web"),
                    content_type=CONTENT_TYPE)


def collect(ctx: PipelineContext) -> Exposition:
    """Every family, queues first; per-queue RabbitMQ figures only when the API answered."""
    out = Exposition()
    report = gather_status(ctx)
    broker = broker_figures(ctx.settings)
    out.add("teledossier_queue_figures_available",
            "1 quand les chiffres des files viennent de l'API de gestion de RabbitMQ, 0 quand "
            "ils sont indisponibles (file intégrée au processus, ou l'API n'a pas répondu).",
            [({}, 1 if broker.known else 0)])
    if broker.known:
        for name, help_text in BROKER_FAMILIES.items():
            out.add(f"teledossier_queue_{name}", help_text,
                    [({"queue": q.queue}, getattr(broker.queues[q.queue], name))
                     for q in report.queues])
    out.add("teledossier_queue_waiting",
            "Travail en attente selon la base, par file : dossiers à cette étape, courriels à "
            "envoyer ou en cours d'envoi, courriels reçus pas encore lus.",
            [({"queue": q.queue}, q.waiting) for q in report.queues])
    out.add("teledossier_outbox_messages",
            "Messages écrits dans l'outbox et pas encore publiés vers la file, par file.",
            [({"queue": q.queue}, q.outbox) for q in report.queues])
    out.add("teledossier_failed_work",
            "Travail en échec définitif pas encore rejoué, par file.",
            [({"queue": q.queue}, q.failed) for q in report.queues])
    out.add("teledossier_dossiers", "Dossiers par état.",
            [({"status": s.value}, report.dossiers_by_status.get(s.value, 0)) for s in Status])
    out.add("teledossier_dossiers_in_stage",
            "Dossiers attendant le travail d'une étape automatique (un dossier qui attend une "
            "personne n'en a pas).",
            [({"stage": s.value}, report.dossiers_by_stage.get(s.value, 0)) for s in Stage])
    out.add("teledossier_mails", "Courriels sortants par état.",
            [({"status": s}, report.mails_by_status.get(s, 0)) for s in MAIL_STATUSES])
    out.add("teledossier_inbound_mails",
            "Courriels reçus (réponses, avis de non-remise) par résultat ; queued : pas encore "
            "lus.",
            [({"status": s}, report.inbound_by_status.get(s, 0)) for s in INBOUND_STATUSES])
    _durations(out, ctx)
    return out


def _durations(out: Exposition, ctx: PipelineContext) -> None:
    caches = current_app.extensions.setdefault("ops_durations", TtlCache(DURATIONS_TTL_SECONDS))
    durations = caches.get("durations", lambda: step_durations(ctx))
    window = ("étapes terminées dans les dernières 24 heures (les 5000 plus récentes au plus "
              "par étape), calculé au plus une fois par minute")
    out.add("teledossier_step_duration_seconds",
            "Durée des étapes, d'après l'historique des dossiers (quantiles au rang le plus "
            "proche) : verification = du dépôt (ou du complément) au verdict de la "
            "vérification (réception et vérification, attentes en file comprises) ; cloture = "
            "de la décision de l'agent au dossier clos (attestation, dépôt, clôture) ; "
            "courriel = de l'écriture du courriel à son envoi. Sur les "
            f"{window} ; NaN s'il n'y en a aucune.",
            [({"step": step, "quantile": str(q)}, quantile(values, q))
             for step, values in durations.items() for q in QUANTILES])
    out.add("teledossier_step_completed",
            f"Nombre d'étapes mesurées par teledossier_step_duration_seconds : {window}.",
            [({"step": step}, len(values)) for step, values in durations.items()])


def _allowed(ctx: PipelineContext, remote: str | None) -> bool:
    networks = ctx.settings.metrics_allow
    if not networks:
        return True
    try:
        address = ipaddress.ip_address(remote or "")
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped  # a dual-stack server sees ::ffff:10.0.0.5
    return any(address in network for network in networks)


def _number(value: float) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "+Inf" if value > 0 else "-Inf"
        return repr(round(value, 6))
    return str(int(value))


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')
