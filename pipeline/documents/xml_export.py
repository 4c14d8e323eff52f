"""Write a dossier's XML: the national RecensementCitoyen layout for RCO, ours for ILE; checked
against the XSDs shipped in ``pipeline/documents/xsd`` before it leaves."""

from __future__ import annotations

import re
import threading
from importlib import resources
from typing import Any

from lxml import etree

from pipeline.documents.facts import DossierFacts
from pipeline.documents.text import in_paris
from pipeline.domain.demarches.layout import ANY, FILIATION, FORMALITE, PERSONNE, REPEATED, TEXT

#: The schema of each démarche's layout, by démarche id (= the root element's name).
SCHEMAS = {
    "RecensementCitoyen": "recensement-citoyen.xsd",
    "InscriptionListesElectorales": "inscription-listes-electorales.xsd",
}
#: What a national file's Formalite says when the dossier did not come with one.
DEFAULT_FORMALITE = {
    "RecensementCitoyen": ("DECL", "RECENSEMENT", "AJOUT"),
    "InscriptionListesElectorales": ("DECL", "INSCRIPTION", "AJOUT"),
}
#: The ILE parts after Personne, in order.
ILE_TAIL = (
    ("Rattachement", ("Motif",)),
    ("InscriptionPrecedente", ("CodeINSEE", "Localite", "Pays")),
    ("Election", ("Date", "Type")),
)
DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
#: An XML element name (no namespace): free-shaped data whose keys are not one are left out.
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


_loaded = threading.local()


class XmlExportError(ValueError):
    """The XML produced does not match its schema: a bug, or data that skipped normalization."""


def export_xml(facts: DossierFacts) -> bytes:
    """Return the dossier as XML in its démarche's layout, validated against the XSD."""
    if facts.demarche not in SCHEMAS:
        raise XmlExportError(f"démarche sans format XML : {facts.demarche}")
    data = facts.data
    root = etree.Element(facts.demarche)
    etree.SubElement(root, "Convention")
    _formalite(root, facts)
    _record(root, "Personne", data.get("Personne"), PERSONNE)
    if facts.demarche == "RecensementCitoyen":
        _record(root, "FiliationPere", data.get("FiliationPere"), FILIATION)
        _record(root, "FiliationMere", data.get("FiliationMere"), FILIATION)
    else:
        for name, keys in ILE_TAIL:
            _record(root, name, data.get(name), dict.fromkeys(keys, TEXT))
        _leaf(root, "MotifTardif", data.get("MotifTardif"))
    content = DECLARATION + etree.tostring(root, encoding="UTF-8", pretty_print=True)
    validate_xml(content)
    return content


def validate_xml(content: bytes) -> None:
    """Raise XmlExportError unless ``content`` matches the XSD of its root element."""
    root = etree.fromstring(content, parser=etree.XMLParser(resolve_entities=False,
                                                           no_network=True))
    name = etree.QName(root).localname
    if name not in SCHEMAS:
        raise XmlExportError(f"élément racine inconnu : {name}")
    schema = _schema(name)
    if not schema.validate(root):
        errors = "; ".join(f"ligne {e.line} : {e.message}" for e in schema.error_log[:5])
        raise XmlExportError(f"le XML ne suit pas le schéma {SCHEMAS[name]} : {errors}")


def _schema(demarche: str) -> etree.XMLSchema:
    """Return the schema, loaded once per thread: a validator keeps its errors, so threads
    must not share one."""
    schemas: dict[str, etree.XMLSchema] = _loaded.__dict__.setdefault("schemas", {})
    if demarche not in schemas:
        path = resources.files("pipeline.documents.xsd") / SCHEMAS[demarche]
        with resources.as_file(path) as file:
            # Its include (commun.xsd) is read next to it; nothing comes from the network.
            parser = etree.XMLParser(no_network=True, resolve_entities=False)
            schemas[demarche] = etree.XMLSchema(etree.parse(str(file), parser))
    return schemas[demarche]


def _formalite(root: etree._Element, facts: DossierFacts) -> None:
    """Write Formalite, completed from the dossier where the submission left it out."""
    given = facts.data.get("Formalite") if isinstance(facts.data.get("Formalite"), dict) else {}
    kind, motif, mode = DEFAULT_FORMALITE[facts.demarche]
    submitted = in_paris(facts.submitted_at).replace(tzinfo=None, microsecond=0).isoformat()
    formalite = {
        "Identifiant": given.get("Identifiant") or facts.reference,
        "FormaliteType": given.get("FormaliteType") or kind,
        "DateSoumission": given.get("DateSoumission") or submitted,
        "FormaliteMotifCode": given.get("FormaliteMotifCode") or [motif],
        "FormaliteModeCode": given.get("FormaliteModeCode") or mode,
    }
    _record(root, "Formalite", formalite, FORMALITE)


def _record(parent: etree._Element, name: str, value: Any, layout: dict[str, Any]) -> None:
    """Write a structured element with every child of its layout, empty ones included.

    The national files list every element, empty or not, and software reading them may expect
    that: an empty element means absent, as at intake.
    """
    element = etree.SubElement(parent, name)
    value = value if isinstance(value, dict) else {}
    for key, spec in layout.items():
        items = _as_list(value.get(key))
        if spec == ANY:
            if items:
                _free(element, key, value[key] if len(items) == 1 else {"Valeur": items})
        elif key in REPEATED:
            # One empty LieuNaissance or motif, as real files have; no empty contact.
            if not items and key != "MethodeContact":
                items = [{} if isinstance(spec, dict) else None]
            for item in items:
                _write(element, key, item, spec)
        else:
            _write(element, key, items[0] if items else None, spec)


def _write(parent: etree._Element, name: str, value: Any, spec: Any) -> None:
    if isinstance(spec, dict):
        _record(parent, name, value, spec)
    else:
        _leaf(parent, name, value)


def _free(parent: etree._Element, name: str, value: Any) -> None:
    """Write free-shaped data: objects as children, lists as repeated elements, else text."""
    if isinstance(value, list):
        for item in value:
            _free(parent, name, item)
        return
    element = etree.SubElement(parent, name)
    if isinstance(value, dict):
        for key, item in value.items():
            if NAME.match(str(key)):
                _free(element, str(key), item)
    elif value is not None:
        element.text = _text(value)


def _leaf(parent: etree._Element, name: str, value: Any) -> None:
    etree.SubElement(parent, name).text = _text(value) if value is not None else None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    # Control characters are not allowed in XML 1.0: a stray one must not lose the dossier.
    return "".join(c for c in str(value) if c in "\t\n\r" or ord(c) >= 0x20)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]

