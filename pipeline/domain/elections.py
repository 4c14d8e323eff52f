"""Elections as data: read the installation's list from a TOML file."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

from pipeline.domain.demarches import Election
from pipeline.settings import SettingsError

#: Shipped inside the package; ``TELEDOSSIER_ELECTIONS_FILE`` names another.
DEFAULT_FILE = Path(__file__).resolve().parent / "elections.toml"


def load_elections(path: Path | None) -> tuple[Election, ...]:
    source = path or DEFAULT_FILE
    if not source.exists():
        if path is not None:
            raise SettingsError(f"TELEDOSSIER_ELECTIONS_FILE: fichier introuvable : {source}")
        return ()
    try:
        entries = tomllib.loads(source.read_text(encoding="utf-8")).get("election", [])
        return tuple(sorted(
            (Election(
                first_round=date.fromisoformat(entry["premier_tour"]),
                type=entry["type"],
                label=entry.get("libelle", ""),
                online_deadline=(date.fromisoformat(entry["date_limite_en_ligne"])
                                 if entry.get("date_limite_en_ligne") else None),
            ) for entry in entries),
            key=lambda election: election.first_round))
    except (tomllib.TOMLDecodeError, KeyError, ValueError, TypeError) as error:
        raise SettingsError(f"TELEDOSSIER_ELECTIONS_FILE ({source}) illisible : {error}") from error
