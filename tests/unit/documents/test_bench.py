"""The documents bench runs end to end and ends with the summary line other benches print."""

from __future__ import annotations

import json

import pytest

from bench.documents import run_documents_bench


def test_bench_prints_one_line_per_kind_then_the_summary(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert run_documents_bench(3) == 0

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["kind"] for line in lines[:-1]] == [
        "notice", "demande", "recepisse", "refus", "attestation", "xml", "package"]
    summary = lines[-1]
    assert summary["mode"] == "documents"
    assert summary["dossiers"] == 3
    assert {"per_s", "p50_ms", "p95_ms", "p99_ms", "notice_per_s", "attestation_per_s",
            "xml_per_s"} <= set(summary)
