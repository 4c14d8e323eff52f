"""Keep personal data off the operators' page: masked addresses, technical lines only."""

from __future__ import annotations

import re

#: Something shaped like an e-mail address anywhere in a text (error messages quote them).
EMAIL = re.compile(r"[^\s@<>()\[\],;:\"'«»]+@[^\s@<>()\[\],;:\"'«»]+")
#: Names of the files an agent's reply deposited: a file name often carries a person's name.
DEPOSITED = re.compile(r"déposé : (.*)$")


def mask_email(address: str) -> str:
    """``lucas.martin@example.org`` → ``l***@example.org``: enough to recognise a domain."""
    local, at, domain = address.strip().rpartition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{domain}"


def mask_text(text: str) -> str:
    """A text with every address in it masked."""
    return EMAIL.sub(lambda match: mask_email(match[0]), text)


def last_line(reason: str) -> str:
    """The last line of a failure's reason (the exception itself), addresses masked."""
    lines = reason.strip().splitlines()
    return mask_text(lines[-1].strip()) if lines else ""


def inbound_detail(outcome: str) -> str:
    """What was done with a received message, without addresses or deposited file names."""
    def count(match: re.Match[str]) -> str:
        files = len([name for name in match[1].split(",") if name.strip()])
        return f"déposé : {files} fichier(s)"

    return mask_text(DEPOSITED.sub(count, outcome))
