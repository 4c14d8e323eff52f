"""Run a ``teledossier`` command whose validation stage never returns for marked dossiers.

``python -m tests.fault.hanging_stage worker``: the stage locks the dossier's row, as every
stage does, then loops for ever when the person's family name starts with ``SANSFIN``; every
run is appended to the file named by ``HANGING_STAGE_LOG``. The fault tests use it to prove
that the time limit cuts such a run, the retries stop, and the other dossiers keep moving.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time

import pipeline.flow
import workers.actors
from pipeline.context import PipelineContext
from pipeline.domain.lifecycle import Stage
from pipeline.stages.validation import validate_dossier
from pipeline.store.dossiers import lock_stage
from teledossier.cli import main

MARKER = "SANSFIN"


def validate_or_hang(dossier_id: str, ctx: PipelineContext) -> None:
    with ctx.db.transaction() as session:
        dossier = lock_stage(session, dossier_id, Stage.VALIDATION)
        name = str(dossier.data.get("Personne", {}).get("NomFamille", "")) if dossier else ""
        if name.startswith(MARKER):
            with open(os.environ["HANGING_STAGE_LOG"], "a") as log:
                log.write(f"{dossier.reference}\n")
            while True:  # holds the row (and SQLite's write lock) until interrupted
                time.sleep(0.05)
    validate_dossier(dossier_id, ctx)


def patched_routes() -> tuple[pipeline.flow.Route, ...]:
    return tuple(dataclasses.replace(route, handler=validate_or_hang)
                 if route.queue == Stage.VALIDATION.value else route
                 for route in pipeline.flow.ROUTES)


if __name__ == "__main__":
    workers.actors.ROUTES = patched_routes()
    sys.exit(main(sys.argv[1:]))
