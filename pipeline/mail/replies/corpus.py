"""Check the reply reader against a corpus of messages with what must be read from each.

A corpus is a folder of ``.eml`` files and an ``expected.json`` naming each by its path, with
its ``class`` (the difficulty it covers), ``client``, and the ``command``, ``argument`` and
``comment`` to read, whether it is ``automatic``, and the ``suggested_command`` (with its
``suggested_argument``) of a near-command.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from pipeline.mail.replies.reply import Reply, read_reply


class Outcome(NamedTuple):
    """One message of the corpus: its class and client, and what was read wrong (if any)."""

    path: str
    klass: str
    client: str
    problems: tuple[str, ...]


@dataclass
class CorpusReport:
    """Every outcome of a run over a corpus, and how long the reading took."""

    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> int:
        return sum(not outcome.problems for outcome in self.outcomes)

    def by(self, key: str) -> dict[str, tuple[int, int]]:
        """(passed, total) per class or per client."""
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for outcome in self.outcomes:
            count = counts[getattr(outcome, key)]
            count[0] += not outcome.problems
            count[1] += 1
        return {name: (passed, total) for name, (passed, total) in sorted(counts.items())}


def check(reply: Reply, expected: dict[str, Any]) -> tuple[str, ...]:
    """What the reading got wrong, in French; empty when it read everything expected."""
    problems = []
    if (reply.automatic is not None) != bool(expected.get("automatic")):
        problems.append(f"automatique : {reply.automatic!r}, attendu {expected.get('automatic')}")
    if expected.get("automatic"):
        return tuple(problems)  # nothing of an automatic mail is read further
    wanted = {"command": expected.get("command"), "argument": expected.get("argument", "")}
    if expected.get("command") is None:
        wanted = {"command": None}
    found = {"command": reply.command, "argument": reply.argument}
    suggested = reply.suggestion.command if reply.suggestion else None
    if expected.get("suggested_command") != suggested:
        problems.append(f"commande suggérée : {suggested!r}, attendu "
                        f"{expected.get('suggested_command')!r}")
    elif reply.suggestion and reply.suggestion.argument != expected.get("suggested_argument", ""):
        problems.append(f"argument suggéré : {reply.suggestion.argument!r}")
    for name, value in wanted.items():
        if found[name] != value:
            problems.append(f"{name} : {found[name]!r}, attendu {value!r}")
    comment = reply.suggestion.comment if reply.suggestion else reply.comment
    if reply.command is None and reply.suggestion is None:
        comment = reply.text
    if _lines(comment) != _lines(expected.get("comment", "")):
        problems.append(f"commentaire : {comment!r}")
    return tuple(problems)


def _lines(text: str) -> list[str]:
    # HTML and plain text space paragraphs differently: the lines count, not the blank ones.
    return [line.strip() for line in text.split("\n") if line.strip()]


def run_corpus(folder: Path, mail_domain: str) -> CorpusReport:
    expected: dict[str, dict[str, Any]] = json.loads(
        (folder / "expected.json").read_text(encoding="utf-8"))
    report = CorpusReport()
    raws = {name: (folder / name).read_bytes() for name in expected}
    started = time.perf_counter()
    replies = {name: read_reply(raw, mail_domain=mail_domain) for name, raw in raws.items()}
    report.seconds = time.perf_counter() - started
    for name, reply in replies.items():
        wanted = expected[name]
        report.outcomes.append(Outcome(name, str(wanted.get("class", "")),
                                       str(wanted.get("client", "")), check(reply, wanted)))
    return report
