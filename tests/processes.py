"""Start Télédossier's processes as a user would (the ``teledossier`` command) for e2e tests."""

from __future__ import annotations

import base64
import http.client
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.pipeline import wait_ready
from bench.sink import free_port
from tests.pdfs import ONE_PAGE

TELEDOSSIER = str(Path(sys.executable).with_name("teledossier"))

#: A one-page PDF: what the attachment check takes as a scan.
PDF = ONE_PAGE
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00"
       b"\x00\x90wS\xde\x00\x00\x00\x00IEND\xaeB`\x82")


def app_env(tmp_path: Path, **values: str) -> dict[str, str]:
    """The environment of a process: this one's, without TELEDOSSIER_* leaking in, plus values."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEDOSSIER_")}
    env.update({"TELEDOSSIER_VAR_DIR": str(tmp_path / "var"),
                "TELEDOSSIER_MAIL_DOMAIN": "demoville.test",
                # `up` and `mail-gateway` listen for mail: never on a port another run holds.
                "TELEDOSSIER_INBOUND_SMTP": f"127.0.0.1:{free_port()}"})
    env.update({f"TELEDOSSIER_{k.upper()}": v for k, v in values.items()})
    return env


class AppProcess:
    """One ``teledossier <command>`` process, its output kept in a log file."""

    def __init__(self, command: str, env: dict[str, str], log_dir: Path,
                 program: tuple[str, ...] = (TELEDOSSIER,)) -> None:
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"{command}-{time.monotonic_ns()}.log"
        self.log = self.log_path.open("wb")
        self.proc = subprocess.Popen([*program, command], env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT)

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def wait_for_output(self, text: str, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            out = self.output()
            if text in out:
                return out
            if self.proc.poll() is not None:
                raise AssertionError(f"process exited early:\n{out}")
            time.sleep(0.1)
        raise AssertionError(f"{text!r} not printed within {timeout}s:\n{self.output()}")

    def kill(self) -> None:
        """SIGKILL: no clean-up, no goodbye, as a crash or the OOM killer would."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()


def api(port: int, method: str, path: str, token: str, body: Any = None) -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}"}
    payload = None
    if body is not None:
        payload = json.dumps(body)
        headers["Content-Type"] = "application/json"
    connection.request(method, path, payload, headers)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, json.loads(data) if data else None


def rco_dossier(index: int, insee: str = "99999") -> dict[str, Any]:
    """A complete RCO dossier of someone who turned 16 this year."""
    year = time.localtime().tm_year - 16
    return {
        "demarche": "RecensementCitoyen",
        "data": {"Personne": {
            "NomFamille": f"Bernard{index}", "PrenomUsuel": "Lou", "Sexe": "2",
            "DateNaissance": f"01/01/{year}",
            "LieuNaissance": {"Code": "COMMUNE", "Nom": "Lyon"},
            "AdresseDomicile": {"NomVoie": "place de la Mairie", "CodePostal": "99999",
                                "Localite": "Démoville", "CodeINSEE": insee},
            "MethodeContact": [{"URI": f"lou{index}@example.org", "CanalCode": "EMAIL"}],
        }},
        "attachments": [
            {"kind": "justificatif_identite", "filename": "cni.pdf",
             "content_base64": base64.b64encode(PDF).decode()},
            {"kind": "livret_famille", "filename": "livret.png",
             "content_base64": base64.b64encode(PNG).decode()},
        ],
    }


def wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what}: not reached within {timeout}s")


__all__ = ["AppProcess", "api", "app_env", "free_port", "rco_dossier", "wait_ready",
           "wait_until"]
