"""Builders of hostile requests shared by the abuse cases: multipart bodies and national XML."""

from __future__ import annotations

import time
import uuid

from tests.processes import PDF, PNG

Part = tuple[str, str | None, str, bytes]  # name, filename (None: a form field), type, content


def multipart(parts: list[Part]) -> tuple[bytes, str]:
    """A multipart/form-data body and its Content-Type, built by hand (no client library)."""
    boundary = f"td-{uuid.uuid4().hex}"
    chunks = []
    for name, filename, media_type, content in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        chunks.append(f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
                      f"Content-Type: {media_type}\r\n\r\n".encode() + content + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


def rco_xml(family_name: str = "DURAND", root_attributes: str = "", prefix: str = "",
            birth_date: str | None = None) -> bytes:
    """A complete RCO of Démoville (INSEE 99999) in the national layout."""
    year = time.localtime().tm_year - 16
    born = birth_date or f"03/04/{year}"
    tag = f"{prefix}RecensementCitoyen"
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<{tag}{root_attributes}>
  <Personne>
    <Sexe>2</Sexe>
    <NomFamille>{family_name}</NomFamille>
    <PrenomUsuel>Chloé</PrenomUsuel>
    <DateNaissance>{born}</DateNaissance>
    <LieuNaissance><Code>COMMUNE</Code><Nom>Nice</Nom></LieuNaissance>
    <AdresseDomicile>
      <NomVoie>place de la Mairie</NomVoie><CodePostal>99999</CodePostal>
      <Localite>Démoville</Localite><CodeINSEE>99999</CodeINSEE>
    </AdresseDomicile>
    <MethodeContact><URI>chloe.durand@example.org</URI><CanalCode>EMAIL</CanalCode></MethodeContact>
  </Personne>
</{tag}>
""".encode()


def xml_dossier(xml: bytes, *extra: Part) -> tuple[bytes, str]:
    """The API's multipart filing: the XML, an identity document and the family booklet."""
    return multipart([("dossier", "dossier.xml", "application/xml", xml),
                      ("justificatif_identite", "cni.pdf", "application/pdf", PDF),
                      ("livret_famille", "livret.png", "image/png", PNG), *extra])
