"""The layers of design.md: no import cycle, the core's rooms in order, edges that call the core."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.import_graph import (
    ROOMS,
    backward_imports,
    edge_imports,
    framework_imports,
    import_cycles,
    read_imports,
    unknown_rooms,
)

#: What importing an edge must not drag in: the composition root, other edges, their libraries.
FOREIGN_TO_THE_WEB = {"teledossier", "workers", "mail_gateway", "bench", "dramatiq", "pika",
                      "aiosmtpd", "imapclient"}


def loaded_top_level_modules(*modules: str) -> set[str]:
    """Top-level packages a fresh interpreter has loaded after importing ``modules``."""
    code = (
        "import importlib, json, sys\n"
        f"for name in {list(modules)!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=120)
    return set(json.loads(done.stdout.splitlines()[-1]))


@pytest.mark.parametrize("module", ["web_minimal", "web_minimal.api", "web_minimal.health",
                                    "web_minimal.documents_api", "web_minimal.verify",
                                    "web_minimal.dev_mail", "web_minimal.citizens",
                                    "web_minimal.agents", "web_minimal.ops"])
def test_web_edge_imports_only_the_core(module: str) -> None:
    loaded = loaded_top_level_modules(module)

    assert not loaded & FOREIGN_TO_THE_WEB, sorted(loaded & FOREIGN_TO_THE_WEB)


# --- The layering of the source, read statically (tests/import_graph.py) -----------------------

ROOT = Path(__file__).resolve().parents[2]
#: Cycles known and on their way out: the CLI's command modules borrow private helpers from
#: ``teledossier/cli.py`` until it is split. Listed exactly, so that any other cycle fails.
TOLERATED_CYCLES: list[list[str]] = []


@pytest.fixture(scope="module")
def source() -> dict[str, set[str]]:
    return read_imports(ROOT)


def test_source_graph_is_read(source: dict[str, set[str]]) -> None:
    # A walk that found nothing would make every rule below pass.
    assert {"pipeline.flow", "pipeline.domain.lifecycle", "web_minimal",
            "teledossier.bootstrap"} <= set(source)
    assert "pipeline.stages.validation" in source["pipeline.flow"]


def test_no_import_cycle_between_modules_packages_or_rooms(source: dict[str, set[str]]) -> None:
    problems = import_cycles(source, TOLERATED_CYCLES)

    assert not problems, "\n".join(problems)


def test_every_core_folder_is_a_room(source: dict[str, set[str]]) -> None:
    problems = unknown_rooms(source)

    assert not problems, "\n".join(problems)


def test_rooms_import_only_earlier_rooms(source: dict[str, set[str]]) -> None:
    problems = backward_imports(source)

    assert not problems, "\n".join(problems)


def test_core_imports_no_framework(source: dict[str, set[str]]) -> None:
    problems = framework_imports(source)

    assert not problems, "\n".join(problems)


def test_edges_import_only_the_core(source: dict[str, set[str]]) -> None:
    problems = edge_imports(source)

    assert not problems, "\n".join(problems)


# --- Each rule can fail: the checks on small graphs that break them ---------------------------

def test_imports_are_read_at_any_depth_and_resolved(tmp_path: Path) -> None:
    (tmp_path / "pipeline" / "mail").mkdir(parents=True)
    (tmp_path / "pipeline" / "__init__.py").write_text("")
    (tmp_path / "pipeline" / "flow.py").write_text("")
    (tmp_path / "pipeline" / "mail" / "__init__.py").write_text(
        "def later():\n    from pipeline.mail import outbox\n")
    (tmp_path / "pipeline" / "mail" / "outbox.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from .. import flow\n"
        "from . import MAIL_QUEUE\nimport flask.json\n")

    graph = read_imports(tmp_path, ["pipeline"])

    assert graph["pipeline.mail"] == {"pipeline.mail.outbox"}
    assert graph["pipeline.mail.outbox"] == {"typing", "pipeline.flow", "pipeline.mail",
                                             "flask.json"}
    assert import_cycles(graph) == ["modules import each other: pipeline.mail ⇄ "
                                    "pipeline.mail.outbox"]
    assert backward_imports(graph) == ["pipeline.mail.outbox (room mail) imports pipeline.flow, "
                                       "which sits above it"]
    assert framework_imports(graph) == ["pipeline.mail.outbox imports flask.json: the core uses "
                                        "no framework"]


def test_module_cycle_is_reported() -> None:
    graph = {"web_minimal": {"web_minimal.api"}, "web_minimal.api": {"web_minimal.csrf"},
             "web_minimal.csrf": {"web_minimal"}, "web_minimal.auth": {"web_minimal.csrf"}}

    assert import_cycles(graph) == ["modules import each other: web_minimal ⇄ web_minimal.api ⇄ "
                                    "web_minimal.csrf"]
    assert import_cycles(graph, [["web_minimal.csrf", "web_minimal", "web_minimal.api"]]) == []


def test_package_cycle_is_reported_without_a_module_cycle() -> None:
    graph = {"teledossier.cli": {"bench.pipeline"}, "bench.pipeline": {"teledossier.bootstrap"},
             "teledossier.bootstrap": set()}

    assert import_cycles(graph) == ["packages import each other: bench ⇄ teledossier"]


def test_room_cycle_and_backward_import_are_reported() -> None:
    graph = {"pipeline.store.outbox": {"pipeline.mail.wording"},
             "pipeline.mail.wording": {"pipeline.store.model", "pipeline.settings"},
             "pipeline.store.model": {"pipeline.domain.lifecycle"},
             "pipeline.domain.lifecycle": {"pipeline.errors"},
             "pipeline.settings": set(), "pipeline.errors": set()}

    assert import_cycles(graph) == ["rooms of the core import each other: mail ⇄ store"]
    assert backward_imports(graph) == ["pipeline.store.outbox (room store) imports "
                                       "pipeline.mail.wording, which sits above it"]


def test_no_room_imports_the_flow_table_or_the_demo() -> None:
    graph = {"pipeline.ops.status": {"pipeline.flow", "pipeline.context"},
             "pipeline.stages.closure": {"pipeline.demo"}, "pipeline.flow": set(),
             "pipeline.demo": set(), "pipeline.context": set()}

    assert backward_imports(graph) == [
        "pipeline.ops.status (room ops) imports pipeline.flow, which sits above it",
        "pipeline.stages.closure (room stages) imports pipeline.demo, which sits above it"]


def test_a_room_package_itself_is_in_its_room() -> None:
    graph = {"pipeline.domain": {"pipeline.documents"}, "pipeline.documents": set(),
             "pipeline.stages.intake": {"pipeline.documents"}}

    assert backward_imports(graph) == ["pipeline.domain (room domain) imports "
                                       "pipeline.documents, which sits above it"]


def test_core_module_outside_the_rooms_is_reported() -> None:
    graph = {"pipeline.plugins.extra": set(), "pipeline.helpers": set(), "pipeline": set(),
             "pipeline.domain.clock": set(), "pipeline.settings": set(), "pipeline.flow": set()}

    assert unknown_rooms(graph) == [
        f"pipeline.{name} is not a room of the core ({', '.join(ROOMS)}) nor one of "
        "pipeline.context, pipeline.demo, pipeline.errors, pipeline.flow, pipeline.settings"
        for name in ("helpers", "plugins")]


def test_framework_in_the_core_is_reported() -> None:
    graph = {"pipeline.stages.intake": {"sqlalchemy", "dramatiq", "werkzeug.exceptions"},
             "workers.actors": {"dramatiq"}}

    assert framework_imports(graph) == [
        "pipeline.stages.intake imports dramatiq: the core uses no framework",
        "pipeline.stages.intake imports werkzeug.exceptions: the core uses no framework"]


def test_edge_importing_another_edge_or_the_root_is_reported() -> None:
    graph = {"workers.relay": {"mail_gateway.transport", "pipeline.flow", "workers.broker"},
             "web_minimal": {"teledossier.bootstrap"}, "mail_gateway.transport": set(),
             "teledossier.bootstrap": {"workers.relay"}, "pipeline.flow": set(),
             "workers.broker": set()}

    assert edge_imports(graph) == [
        "web_minimal imports teledossier.bootstrap: an edge calls the core, nothing else of the "
        "project",
        "workers.relay imports mail_gateway.transport: an edge calls the core, nothing else of "
        "the project"]
