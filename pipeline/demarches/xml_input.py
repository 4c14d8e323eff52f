"""Read a dossier's XML file safely into the nested dict the démarches normalise.

The parser resolves no entity, loads no DTD and touches no network, and any DOCTYPE or ENTITY
declaration is refused outright: a dossier never needs one, and refusing them closes the door on
entity expansion (billion laughs) and external entities (XXE) whatever the parser version does.
"""

from __future__ import annotations

import re
from typing import Any, NoReturn

from lxml import etree

from pipeline.demarches.base import FieldError, InvalidDossier
from pipeline.demarches.common import REPEATED, is_absent
from pipeline.demarches.ile import ILE
from pipeline.demarches.rco import RCO

#: Root element names accepted, one per démarche.
KNOWN_ROOTS = (RCO.id, ILE.id)
#: Children of the root that carry nothing for the commune (the national file puts it first).
IGNORED = frozenset({"Convention"})
#: Any declaration of a DTD or entity.
DECLARATION = re.compile(r"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
#: How the bytes are read for that search: ASCII-compatible encodings, and the wide ones when
#: the content has NUL bytes (UTF-16 and UTF-32, either byte order).
NARROW = ("latin-1",)
WIDE = ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")

FIELD = "dossier"
DECLARATION_REFUSED = (
    "Le fichier XML contient une déclaration DOCTYPE ou ENTITY, refusée par sécurité : "
    "envoyez le dossier sans DTD ni entités."
)


def parse_dossier_xml(content: bytes, max_bytes: int = 2_000_000) -> tuple[str, dict[str, Any]]:
    """Return (démarche id, data) read from an XML dossier; raise InvalidDossier when unusable."""
    if not content or not content.strip():
        _refuse("Le fichier XML du dossier est vide.")
    if len(content) > max_bytes:
        _refuse(
            f"Le fichier XML du dossier est trop volumineux ({_size(len(content))} ; "
            f"maximum {_size(max_bytes)})."
        )
    if _declares_dtd(content):
        _refuse(DECLARATION_REFUSED)
    root = _parse(content)
    name = etree.QName(root).localname
    if name not in KNOWN_ROOTS:
        _refuse(
            f"L'élément racine « {name} » ne correspond à aucune démarche connue "
            f"({', '.join(KNOWN_ROOTS)})."
        )
    data = _element_value(root, ignored=IGNORED)
    return name, data if isinstance(data, dict) else {}


def _declares_dtd(content: bytes) -> bool:
    encodings = NARROW + WIDE if b"\x00" in content else NARROW
    return any(DECLARATION.search(content.decode(e, errors="ignore")) for e in encodings)


def _parser() -> etree.XMLParser:
    # A fresh parser per call: lxml parsers are not thread-safe.
    return etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        dtd_validation=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def _parse(content: bytes) -> etree._Element:
    try:
        root = etree.fromstring(content, parser=_parser())
    except etree.XMLSyntaxError as error:
        line = f" (ligne {error.lineno})" if error.lineno else ""
        message = (
            f"Le fichier n'est pas un document XML bien formé{line} : vérifiez qu'il est complet "
            "et correctement encodé."
        )
        raise InvalidDossier([FieldError(FIELD, message)]) from error
    # In case an encoding slipped past the scan (EBCDIC...), check what was parsed too.
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        _refuse(DECLARATION_REFUSED)
    return root


def _element_value(element: etree._Element, ignored: frozenset[str] = frozenset()) -> Any:
    """Return an element as text (leaf) or dict (children); None when empty."""
    children = [child for child in element if isinstance(child.tag, str)]
    if not children:
        value = element.text or ""
        return None if is_absent(value) else value.strip()
    out: dict[str, Any] = {}
    for child in children:
        name = etree.QName(child).localname
        value = _element_value(child)
        if name in ignored or value is None:
            continue
        if name in REPEATED:
            out.setdefault(name, []).append(value)
        elif name in out:
            # An element that should appear once came twice: keep both for normalize to report.
            previous = out[name]
            out[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            out[name] = value
    return out or None


def _size(count: int) -> str:
    return f"{count:,} octets".replace(",", "\u202f")


def _refuse(message: str) -> NoReturn:
    raise InvalidDossier([FieldError(FIELD, message)])
