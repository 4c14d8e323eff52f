"""Fixtures of the command-line tests: the ``teledossier`` command run in this process."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline.store.migrate import upgrade
from teledossier.cli import main

#: The commune every CLI test starts with (``cli`` creates it).
CLI_INSEE = "06088"


class Cli:
    """Runs ``teledossier`` in this process and hands back its exit code and output."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys

    def __call__(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main(list(args))
        out, err = self.capsys.readouterr()
        return code, out, err

    def ok(self, *args: str) -> str:
        code, out, err = self(*args)
        assert code == 0, err
        return out


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A migrated SQLite file that the in-process CLI reads through its environment."""
    for name in list(os.environ):
        if name.startswith("TELEDOSSIER_"):
            monkeypatch.delenv(name)
    url = f"sqlite:///{tmp_path / 'teledossier.db'}"
    monkeypatch.setenv("TELEDOSSIER_DATABASE_URL", url)
    monkeypatch.setenv("TELEDOSSIER_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("TELEDOSSIER_MAIL_DOMAIN", "demoville.test")
    upgrade(url)
    return url


@pytest.fixture
def cli(database_url: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    run = Cli(capsys)
    run.ok("commune", "create", "--insee", CLI_INSEE, "--name", "Nice",
           "--agents-email", "agents@nice.example")
    return run


