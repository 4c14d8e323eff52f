"""``teledossier bench --mode documents``: documents made per second on one core, by kind.

Each kind runs on its own, one document after the other in this one thread (so on one core):
notices and requests (pre-filled forms), récépissés, refusals, signed attestations (QR payload
signed, QR drawn, PAdES signature), XML exports (validated against the XSD) and ZIP packages.
One JSON line per kind, then the summary line, last, in the shape of the other benches'
(``per_s`` and the latencies are the signed attestations'). ``cpu_per_s`` counts the process's
CPU time only: what the code costs when other work shares the machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from pipeline.documents import (
    AttachmentFacts,
    DossierFacts,
    build_package,
    export_xml,
    generate_identity,
    issue_attestation,
    render_demande,
    render_notice,
    render_recepisse,
    render_refus,
)
from pipeline.domain.demarches import ILE, RCO

PUBLIC_URL = "https://teledossier.banc.test"
SUBMITTED = datetime(2026, 3, 1, 9, 12, tzinfo=UTC)
ISSUED = datetime(2026, 3, 12, 9, 30, tzinfo=UTC)
TODAY = date(2026, 3, 10)
PIECES = (AttachmentFacts("cni.pdf", "justificatif_identite", 181_000, "a" * 64),
          AttachmentFacts("livret.jpg", "livret_famille", 640_000, "b" * 64))
SCAN = b"%PDF-1.4\n" + bytes(180_000)


def run_documents_bench(documents: int = 300, *, seconds: float | None = None) -> int:
    """Make ``documents`` of each kind (or as many as fit in ``seconds`` each); print JSON."""
    identity = generate_identity("99000", "Bancville", "Camille Banc")
    rco = [_rco(index) for index in range(64)]
    ile = [_ile(index) for index in range(64)]
    notice = render_notice(rco[0])
    xml = export_xml(rco[0])
    kinds: dict[str, Callable[[int], object]] = {
        "notice": lambda i: render_notice(rco[i % 64]),
        "demande": lambda i: render_demande(ile[i % 64]),
        "recepisse": lambda i: render_recepisse(rco[i % 64]),
        "refus": lambda i: render_refus(ile[i % 64], motive="Motif du banc.",
                                        decided_on=TODAY, mayor_name="Camille Banc"),
        "attestation": lambda i: issue_attestation(rco[i % 64], identity, issued_at=ISSUED,
                                                   public_url=PUBLIC_URL),
        "xml": lambda i: export_xml(rco[i % 64]),
        "package": lambda i: build_package(rco[i % 64], notice, [("cni.pdf", SCAN)], xml),
    }
    results: dict[str, dict[str, Any]] = {}
    for kind, make in kinds.items():
        make(0)  # warm: fonts, schemas, the commune's signer are loaded once per process
        results[kind] = _measure(kind, make, documents, seconds)
        print(json.dumps(results[kind]), flush=True)
    signed = results["attestation"]
    summary = {
        "mode": "documents",
        "dossiers": signed["documents"],
        "clients": 1,
        "per_s": signed["per_s"],
        "p50_ms": signed["p50_ms"],
        "p95_ms": signed["p95_ms"],
        "p99_ms": signed["p99_ms"],
        **{f"{kind}_per_s": result["per_s"] for kind, result in results.items()},
    }
    print(json.dumps(summary), flush=True)
    return 0


def _measure(kind: str, make: Callable[[int], object], documents: int,
             seconds: float | None) -> dict[str, Any]:
    latencies: list[float] = []
    cpu_started, started = time.process_time(), time.perf_counter()
    index = 0
    while (index < documents) if seconds is None else (time.perf_counter() - started < seconds):
        before = time.perf_counter()
        make(index)
        latencies.append((time.perf_counter() - before) * 1000)
        index += 1
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    quantiles = statistics.quantiles(latencies, n=100, method="inclusive")
    print(f"{kind} : {index} documents en {elapsed:.2f} s", file=sys.stderr)
    return {
        "kind": kind,
        "documents": index,
        "per_s": round(index / elapsed, 1),
        # Per CPU second: what the code costs, whatever else the machine is doing.
        "cpu_per_s": round(index / cpu, 1) if cpu else None,
        "p50_ms": round(statistics.median(latencies), 2),
        "p95_ms": round(quantiles[94], 2),
        "p99_ms": round(quantiles[98], 2),
    }


def _rco(index: int) -> DossierFacts:
    data = RCO.normalize({
        "Personne": {
            "Civilite": "M", "Sexe": "1", "NomFamille": f"MARTIN-ÉTIENNE{index}",
            "PrenomUsuel": "Lucas", "Prenom": "Pierre Jean", "DateNaissance": "15/01/2010",
            "PaysNaissance": "FRA", "LieuNaissance": [{"Code": "COMMUNE", "Nom": "Lille"}],
            "AdresseDomicile": {"NumeroVoie": str(index), "TypeVoie": "RUE",
                                "NomVoie": "des Écoles", "CodePostal": "99000",
                                "Localite": "Bancville", "CodeINSEE": "99000"},
            "MethodeContact": [{"URI": f"lucas{index}@example.org", "CanalCode": "EMAIL"}],
        },
        "FiliationPere": {"NomFamille": "MARTIN", "PrenomUsuel": "Paul"},
        "FiliationMere": {"NomFamille": "ÉTIENNE", "PrenomUsuel": "Anaïs"},
    }, today=TODAY)
    return _facts(index, "RecensementCitoyen", data)


def _ile(index: int) -> DossierFacts:
    data = ILE.normalize({
        "Personne": {
            "Civilite": "MME", "Sexe": "2", "NomFamille": f"DURAND{index}",
            "PrenomUsuel": "Chloé", "DateNaissance": "04/07/1990",
            "LieuNaissance": [{"Code": "COMMUNE", "Nom": "Nantes"}],
            "AdresseDomicile": {"NumeroVoie": "3", "NomVoie": "place de l'Église",
                                "CodePostal": "99000", "Localite": "Bancville"},
            "MethodeContact": [{"URI": f"chloe{index}@example.org", "CanalCode": "EMAIL"}],
        },
        "Rattachement": {"Motif": "DOMICILE"},
    }, today=TODAY)
    return _facts(index, "InscriptionListesElectorales", data)


def _facts(index: int, demarche: str, data: dict[str, Any]) -> DossierFacts:
    return DossierFacts(reference=f"TD-BANC{index:04d}", demarche=demarche,
                        commune_name="Bancville", commune_insee="99000",
                        citizen_email=f"banc{index}@example.org", submitted_at=SUBMITTED,
                        data=data, attachments=PIECES)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=300, help="documents de chaque sorte")
    parser.add_argument("--seconds", type=float, help="ou : secondes par sorte")
    args = parser.parse_args(argv)
    return run_documents_bench(args.documents, seconds=args.seconds)


if __name__ == "__main__":
    raise SystemExit(main())
