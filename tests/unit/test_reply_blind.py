"""The blind replies (tests/unit/reply_blind): each in a client or a language (most often both)
that the held-out replies lack, written as those clients put them on the wire without looking at
the reader, and measured once, as they came. What reaches the citizen holds no quoted text in at
least 95 % of them, and a command in quoted text never acts.

``.venv/bin/python tests/unit/test_reply_blind.py`` prints the three figures — (a) replies that
relay no quoted text, (b) replies that apply a command the agent did not write, (c) replies whose
command is read as written — and the messages behind each. Their one reading, on 208 replies:
(a) 199 = 95.7 % (the nine others: Foxmail's '发件人：' box, Nextcloud Mail's « "name" address –
date » line, ukr.net's '--- Оригінальне повідомлення ---', Outlook in Thai, a bottom-posted
SquirrelMail « … a dit : »), (b) none, (c) 206 = 99.0 % (Mew's cite header, that SquirrelMail
reply).
"""

from __future__ import annotations

import json
import unicodedata
from functools import cache
from pathlib import Path

from pipeline.mail.replies.reply import Reply, read_reply

BLIND = Path(__file__).parent / "reply_blind"
EXPECTED: dict[str, dict] = json.loads((BLIND / "expected.json").read_text(encoding="utf-8"))
#: What only the quoted notification, its attribution or its header block holds (the time of
#: the notification, 09:53, in the forms clients write it).
QUOTED = ("Service Etat Civil Blindville", "blindtoken123456", "BLIND-7731", "Quentin Blindmark",
          "justificatif-blind", "Répondez au-dessus", "transmis à l'usager", "9:53", "9.53",
          "۹:۵۳", "৯:৫৩")


def relayed(reply: Reply) -> str:
    """What would reach the citizen: the comment of a command, else the whole text."""
    if reply.command:
        return f"{reply.argument}\n{reply.comment}"
    return reply.suggestion.comment if reply.suggestion else reply.text


@cache
def read_all() -> dict[str, Reply]:
    return {name: read_reply((BLIND / name).read_bytes(), mail_domain="mairie.example")
            for name in EXPECTED}


def command_name(command: str | None) -> str | None:
    """« reçu » and « recu » are one command."""
    if command is None:
        return None
    folded = unicodedata.normalize("NFKD", command.strip().lower())
    return "".join(char for char in folded if not unicodedata.combining(char))


def leaks(name: str, reply: Reply) -> bool:
    """Quoted text reached the citizen: a marker of the notification, or its « Accepter » line
    when the agent did not write that line."""
    text = relayed(reply)
    lines = {line.strip(" >\t\u00a0\ufeff") for line in text.split("\n")}
    written = {line.strip() for line in EXPECTED[name]["written"]}
    return any(mark in text for mark in QUOTED) or ("Accepter" in lines
                                                    and "Accepter" not in written)


def applies_unwritten(name: str, reply: Reply) -> bool:
    """A command is applied that the agent did not write (the notification's « Accepter », or a
    command word of its last lines)."""
    read = command_name(reply.command)
    return read is not None and read != EXPECTED[name]["command"]


def figures() -> dict[str, object]:
    replies = read_all()
    leaking = sorted(name for name, reply in replies.items() if leaks(name, reply))
    unwritten = sorted(name for name, reply in replies.items()
                       if applies_unwritten(name, reply))
    accepted = sorted(name for name, reply in replies.items()
                      if reply.command == "accepter" and EXPECTED[name]["command"] != "accepter")
    misread = sorted(name for name, reply in replies.items()
                     if command_name(reply.command) != EXPECTED[name]["command"])
    total = len(replies)
    return {
        "total": total,
        "a_clean_share": (total - len(leaking)) / total, "a_leaking": leaking,
        "b_unwritten": unwritten, "b_quoted_accepter": accepted,
        "c_command_share": (total - len(misread)) / total, "c_misread": misread,
    }


def test_blind_set_is_large_and_varied() -> None:
    assert len(EXPECTED) >= 120
    assert len({entry["client"] for entry in EXPECTED.values()}) >= 40
    assert len({entry["language"] for entry in EXPECTED.values()}) >= 30
    for name in EXPECTED:
        raw = (BLIND / name).read_bytes()
        assert b"\n" not in raw.replace(b"\r\n", b""), name  # CRLF line ends, as on the wire


def test_at_least_95_percent_of_blind_replies_relay_no_quoted_text() -> None:
    result = figures()

    assert result["a_clean_share"] >= 0.95, result["a_leaking"]


def test_a_command_in_quoted_text_is_never_executed() -> None:
    # Every quoted notification opens with "Accepter" and ends on the command words; an agent's
    # text gives the command recorded in expected.json, or none.
    result = figures()

    assert result["b_quoted_accepter"] == [], result["b_quoted_accepter"]
    assert result["b_unwritten"] == [], result["b_unwritten"]


def _report() -> None:
    result = figures()
    replies = read_all()
    total = result["total"]

    def show(title: str, names: list[str]) -> None:
        print(f"\n{title}: {len(names)}")
        for name in names:
            reply = replies[name]
            entry = EXPECTED[name]
            print(f"- {name} [{entry['posting']}; {entry['layout']}] expected "
                  f"{entry['command']!r}, read {reply.command!r}"
                  + (", with a suggestion" if reply.suggestion else ""))
            print("    relayed: " + repr(relayed(reply)[:300]))

    print(f"{total} replies, {len({e['client'] for e in EXPECTED.values()})} clients, "
          f"{len({e['language'] for e in EXPECTED.values()})} languages")
    print(f"(a) relay no quoted text: {total - len(result['a_leaking'])}/{total} = "
          f"{result['a_clean_share']:.1%}")
    print(f"(b) apply a command the agent did not write: {len(result['b_unwritten'])} "
          f"(of which the quoted « Accepter »: {len(result['b_quoted_accepter'])})")
    print(f"(c) command read as written: {total - len(result['c_misread'])}/{total} = "
          f"{result['c_command_share']:.1%}")
    show("(a) leaking", result["a_leaking"])
    show("(b) unwritten command applied", result["b_unwritten"])
    show("(c) command not read as written", result["c_misread"])
    empty = sorted(name for name, reply in replies.items()
                   if not EXPECTED[name]["written"] and (reply.command or reply.suggestion))
    show("nothing written, yet a command or a suggestion", empty)


if __name__ == "__main__":
    _report()
