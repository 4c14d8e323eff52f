"""``teledossier bench --mode exports``: an export of many dossiers, its time and its memory.

Fills a throw-away SQLite database (in a temporary directory, never the installation's) with
``--dossiers`` dossiers of one commune, each with its history (filed, validated, received,
decided), then exports them all as CSV and as XLSX, as ``teledossier export`` does, and
reports for each the time taken, the peak of the memory Python allocated meanwhile
(``tracemalloc``, in a second run) and the process's resident memory (and how much the export
made it grow). One JSON line per format, then the
summary line (the CSV's figures) in the shape of the other benches'.
"""

from __future__ import annotations

import json
import os
import resource
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from pipeline.commands.communes import create_commune
from pipeline.documents.spreadsheets import csv_chunks, write_xlsx
from pipeline.ops.exports import dossier_export
from pipeline.ops.search import DossierQuery, Scope
from pipeline.settings import Settings
from pipeline.store.migrate import upgrade
from pipeline.store.model import Dossier, HistoryEntry, new_id

FIRST_FILED = datetime(2025, 1, 1, 8, 0, tzinfo=UTC)
#: Dossiers written per transaction while filling the database.
FILL_BATCH = 5000


def _dossier(index: int, commune_id: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    filed = FIRST_FILED + timedelta(minutes=7 * index)
    ile = index % 3 == 0
    dossier_id = new_id()
    outcome = ("accepted", "refused", None)[index % 3]
    data = {"Personne": {
        "NomFamille": f"NOM{index:06d}", "PrenomUsuel": "Camille", "Prenom": "Marie Anne",
        "DateNaissance": f"{1 + index % 28:02d}/{1 + index % 12:02d}/{1960 + index % 45}",
        "LieuNaissance": [{"Code": "COMMUNE", "Nom": "Démoville"}], "Nationalite": "FRA",
        "AdresseDomicile": {"NumeroVoie": str(index % 200), "TypeVoie": "RUE",
                            "NomVoie": "des Écoles", "CodePostal": "99999",
                            "Localite": "Démoville", "CodeINSEE": "99999"},
        "MethodeContact": [{"URI": f"personne{index}@example.org", "CanalCode": "EMAIL"}]}}
    row = {"id": dossier_id, "reference": f"TD-B{index:08d}"[:12], "commune_id": commune_id,
           "demarche": "InscriptionListesElectorales" if ile else "RecensementCitoyen",
           "status": "closed" if outcome else "received", "outcome": outcome, "stage": None,
           "citizen_email": f"personne{index}@example.org",
           "citizen_name": f"Camille NOM{index:06d}", "data": data, "report": None,
           "submitted_at": filed, "updated_at": filed + timedelta(days=3),
           "closed_at": filed + timedelta(days=3) if outcome else None, "history_count": 4,
           "channel": "web", "stage_failures": 0}
    steps = [("submit", "", "submitted", ""), ("validated", "submitted", "transmitted", ""),
             ("recu", "transmitted", "received", "")]
    if outcome:
        steps.append(("accepter" if outcome == "accepted" else "refuser", "received",
                      "received", "" if outcome == "accepted" else "Pièce manquante."))
    history = [{"id": new_id(), "dossier_id": dossier_id, "seq": seq, "at": filed +
                timedelta(days=seq - 1), "actor": "system", "channel": "pipeline",
                "action": action, "from_status": before, "to_status": after,
                "comment": comment} for seq, (action, before, after, comment)
               in enumerate(steps, start=1)]
    return row, history


def _fill(ctx: Any, count: int) -> int:
    commune_id = create_commune(ctx, insee="99999", name="Démoville",
                                agents_email="agents@demoville.test").id
    for start in range(0, count, FILL_BATCH):
        made = [_dossier(index, commune_id) for index in range(start, min(count,
                                                                           start + FILL_BATCH))]
        with ctx.db.connect() as connection:
            connection.execute(insert(Dossier.__table__), [row for row, _ in made])
            connection.execute(insert(HistoryEntry.__table__),
                               [step for _, steps in made for step in steps])
    return commune_id


def _measure(what: str, run: Callable[[], int]) -> dict[str, Any]:
    """Time one run as it is, then run it again under ``tracemalloc`` for its memory (tracing
    every allocation slows Python down several times: its time is not the one reported)."""
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    rows = run()
    seconds = time.perf_counter() - started
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"format": what, "rows": rows, "seconds": round(seconds, 1),
            "python_peak_mib": round(peak / 2**20, 1),
            "max_rss_mib": round(rss_after / 1024, 1),
            "max_rss_growth_mib": round((rss_after - rss_before) / 1024, 1)}


def run_exports_bench(settings: Settings, new_runtime: Callable[[Settings], Any],
                      count: int) -> int:
    with tempfile.TemporaryDirectory(prefix="teledossier-banc-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'banc.db'}"
        local = Settings.from_env({"TELEDOSSIER_DATABASE_URL": url,
                                   "TELEDOSSIER_VAR_DIR": tmp})
        upgrade(url)
        runtime = new_runtime(local)
        try:
            ctx = runtime.ctx
            started = time.perf_counter()
            commune_id = _fill(ctx, count)
            print(json.dumps({"filled": count, "seconds": round(time.perf_counter() - started,
                                                                 1)}), flush=True)
            export = dossier_export(ctx, DossierQuery(commune_id=commune_id, scope=Scope.ALL))

            def to_csv() -> int:
                rows = 0
                with open(Path(tmp) / "export.csv", "wb") as file:
                    for chunk in csv_chunks(export.columns, export.rows()):
                        rows += chunk.count(b"\r\n")
                        file.write(chunk)
                return rows - 1

            def to_xlsx() -> int:
                return write_xlsx(str(Path(tmp) / "export.xlsx"), export.columns, export.rows())

            results = [_measure("csv", to_csv), _measure("xlsx", to_xlsx)]
            for result, name in zip(results, ("export.csv", "export.xlsx"), strict=True):
                result["file_mib"] = round(os.path.getsize(Path(tmp) / name) / 2**20, 1)
                print(json.dumps(result), flush=True)
        finally:
            runtime.stop()
    first = results[0]
    print(json.dumps({"mode": "exports", "dossiers": count, "clients": 1,
                      "per_s": round(count / first["seconds"], 1) if first["seconds"] else None,
                      "p50_ms": None, "p95_ms": None, "p99_ms": None}), flush=True)
    return 0
