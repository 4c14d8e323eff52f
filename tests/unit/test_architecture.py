"""The layers of design.md: the web edge needs only the core at run time, never the other edges."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

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
