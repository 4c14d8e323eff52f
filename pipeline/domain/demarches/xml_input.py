"""Read a dossier's XML file safely into the nested dict the démarches normalise.

The parser resolves no entity, loads no DTD and touches no network, and any DOCTYPE or ENTITY
declaration is refused outright: a dossier never needs one, and refusing them closes the door on
entity expansion (billion laughs) and external entities (XXE) whatever the parser version does.

The national layout has no namespace (documents/xsd/): an element in one, default or prefixed,
is refused rather than read by its local name, as the XSD would refuse it. A declaration
nothing uses (``xmlns:xsi`` for ``xsi:noNamespaceSchemaLocation``) changes no element and is
accepted. Inside ``Convention``, which is not read, anything goes.
"""

from __future__ import annotations

import re
from typing import Any, NoReturn

from lxml import etree

from pipeline.domain.demarches.base import FieldError, InvalidDossier
from pipeline.domain.demarches.ile import ILE
from pipeline.domain.demarches.layout import REPEATED, is_absent
from pipeline.domain.demarches.rco import RCO

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
#: Longest element name repeated in a message (names are checked for length by normalize).
NAME_SHOWN = 60


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
            f"L'élément racine « {_shown(name)} » ne correspond à aucune démarche connue "
            f"({', '.join(KNOWN_ROOTS)})."
        )
    _check_no_namespace(root)
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
        if "Excessive depth" in str(error.msg):
            # libxml2 stops at 256 levels; a dossier needs 4.
            message = f"Le fichier XML est trop imbriqué{line} : un dossier compte peu de niveaux."
        raise InvalidDossier([FieldError(FIELD, message)]) from error
    # In case an encoding slipped past the scan (EBCDIC...), check what was parsed too.
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        _refuse(DECLARATION_REFUSED)
    return root


def _check_no_namespace(root: etree._Element) -> None:
    """Refuse the root, or an element it holds, in a namespace (Convention is not read)."""
    read = [child for child in root
            if isinstance(child.tag, str) and etree.QName(child).localname not in IGNORED]
    for element in [root, *(one for child in read for one in child.iter())]:
        if not isinstance(element.tag, str):
            continue  # comments and processing instructions are dropped by the parser anyway
        qname = etree.QName(element)
        if qname.namespace is not None:
            _refuse(
                f"L'élément « {_shown(qname.localname)} » a un espace de noms (« xmlns ») : le "
                "format national n'en a pas. Envoyez le dossier sans espace de noms."
            )


def _element_value(element: etree._Element, ignored: frozenset[str] = frozenset()) -> Any:
    """Return an element as text (leaf) or dict (children); None when empty."""
    children = [child for child in element if isinstance(child.tag, str)]
    if not children:
        value = element.text or ""
        return None if is_absent(value) else value.strip()
    out: dict[str, Any] = {}
    for child in children:
        name = etree.QName(child).localname
        if name in ignored:
            continue
        value = _element_value(child)
        if value is None:
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


def _shown(name: str) -> str:
    return name if len(name) <= NAME_SHOWN else f"{name[:NAME_SHOWN]}…"


def _size(count: int) -> str:
    return f"{count:,} octets".replace(",", "\u202f")


def _refuse(message: str) -> NoReturn:
    raise InvalidDossier([FieldError(FIELD, message)])
