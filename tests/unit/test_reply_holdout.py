"""The held-out replies (clients and languages the corpus lacks): what reaches the citizen holds
no quoted text in at least 95 % of them, and a command in quoted text never acts."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.mail.replies.reply import Reply, read_reply

HOLDOUT = Path(__file__).parent / "reply_holdout"
EXPECTED: dict[str, dict] = json.loads((HOLDOUT / "expected.json").read_text(encoding="utf-8"))
#: What only the quoted mail or its header holds.
QUOTED = ("Service Etat Civil", "reponse+hxq2d7ktmzw4a5cb", "Madame, Monsieur,",
          "Votre dossier HOLD-2025-031", "Nous reviendrons vers vous", "10:12")


def relayed(reply: Reply) -> str:
    """What would reach the citizen: the comment of a command, else the whole text."""
    if reply.command:
        return f"{reply.argument}\n{reply.comment}"
    return reply.suggestion.comment if reply.suggestion else reply.text


def read_all() -> dict[str, Reply]:
    return {name: read_reply((HOLDOUT / name).read_bytes(), mail_domain="mairie.example")
            for name in EXPECTED}


def leaks(reply: Reply) -> bool:
    text = relayed(reply)
    return any(mark in text for mark in QUOTED) or "Accepter" in text.split("\n")


def test_holdout_is_large_and_varied() -> None:
    assert len(EXPECTED) >= 100
    assert len({entry["client"] for entry in EXPECTED.values()}) >= 40


def test_at_least_95_percent_of_held_out_replies_relay_no_quoted_text() -> None:
    replies = read_all()

    leaking = sorted(name for name, reply in replies.items() if leaks(reply))

    assert len(leaking) <= 0.05 * len(replies), leaking


def test_a_command_in_quoted_text_is_never_executed() -> None:
    # Every held-out original opens with "Accepter"; no written text does.
    for name, reply in read_all().items():
        written = EXPECTED[name]["written"]
        assert reply.command != "accepter", name
        if not written:
            assert reply.command is None and reply.suggestion is None, name
