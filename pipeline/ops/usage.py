"""What one process sent to the database, in Prometheus' text format (``/metrics``)."""

from __future__ import annotations

from pipeline.context import PipelineContext

FAMILIES = {
    "statements": "Requêtes SQL envoyées à la base par ce processus depuis son démarrage.",
    "transactions": "Transactions validées ou annulées par ce processus depuis son démarrage "
                    "(sans les requêtes en validation automatique).",
}


def process_metrics(ctx: PipelineContext, process: str) -> str:
    """The counters of ``ctx.db.usage``, labelled with the kind of process."""
    lines = []
    for name, help_text in FAMILIES.items():
        family = f"teledossier_process_db_{name}_total"
        lines += [f"# HELP {family} {help_text}", f"# TYPE {family} counter",
                  f'{family}{{process="{process}"}} {getattr(ctx.db.usage, name)}']
    return "\n".join(lines) + "\n"
