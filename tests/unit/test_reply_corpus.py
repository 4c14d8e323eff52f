"""The reply corpus: every class of difficulty in the layouts of every client family, each
message read as expected, and no quoted line ever reaching the citizen."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from pipeline.mail.replies.corpus import check, run_corpus
from pipeline.mail.replies.reply import read_reply

DOMAIN = "mairie.example"
CORPUS = Path(__file__).parent / "reply_corpus"
EXPECTED: dict[str, dict] = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
CLASSES = {"spaces", "quote_headers", "html_below_quote", "charsets", "emphasis", "automatic",
           "near_commands"}
#: Lines of the mail being answered: none may be in what reaches the citizen.
QUOTED_LINES = ("Clore", "Le dossier TD-3TPP7M8DK (recensement citoyen) a été transmis",
                "Pour agir sans vous connecter", "L'équipe « Suivi des démarches en ligne »",
                "reponse+dixznbtq3wuishnl", "TD-3TPP7M8DK : recensement citoyen transmis")


def test_every_class_is_covered_for_every_client_family() -> None:
    files = sorted(path.relative_to(CORPUS).as_posix() for path in CORPUS.rglob("*.eml"))
    assert files == sorted(EXPECTED)
    families = {entry["client"] for entry in EXPECTED.values()}
    covered = Counter((entry["class"], entry["client"]) for entry in EXPECTED.values())
    assert {entry["class"] for entry in EXPECTED.values()} == CLASSES
    assert len(families) >= 12
    for klass in CLASSES - {"html_below_quote", "emphasis"}:
        assert all(covered[(klass, family)] for family in families), klass


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_message_is_read_as_expected(name: str) -> None:
    reply = read_reply((CORPUS / name).read_bytes(), mail_domain=DOMAIN)

    assert check(reply, EXPECTED[name]) == ()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_no_quoted_line_reaches_the_citizen_and_no_quoted_command_acts(name: str) -> None:
    reply = read_reply((CORPUS / name).read_bytes(), mail_domain=DOMAIN)
    if reply.automatic:
        return
    relayed = "\n".join((reply.text, reply.argument, reply.comment,
                         reply.suggestion.comment if reply.suggestion else ""))

    for line in QUOTED_LINES:
        assert line not in relayed.split("\n") if line == "Clore" else line not in relayed
    # The quoted mail opens with "Clore": a command is only ever the agent's own.
    assert reply.command == EXPECTED[name]["command"]


def test_the_report_counts_per_class() -> None:
    report = run_corpus(CORPUS, DOMAIN)

    assert report.passed == len(report.outcomes) == len(EXPECTED)
    assert set(report.by("klass")) == CLASSES
