"""The documents package stays pure: no database, web, broker or mail library comes with it."""

from __future__ import annotations

import json
import subprocess
import sys

FOREIGN = {"sqlalchemy", "flask", "dramatiq", "pika", "aiosmtpd", "imapclient", "psycopg",
           "teledossier", "workers", "web_minimal", "mail_gateway", "bench"}


def test_documents_import_none_of_the_edges() -> None:
    code = ("import json, sys, pipeline.documents\n"
            "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=120)
    loaded = set(json.loads(done.stdout.splitlines()[-1]))

    assert not loaded & FOREIGN, sorted(loaded & FOREIGN)
