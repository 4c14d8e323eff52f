"""Reading dossier XML: the national layout as real files come, and hostile or broken input."""

from __future__ import annotations

import time

import pytest

from pipeline.domain.demarches import ILE, RCO, InvalidDossier, xml_input
from pipeline.domain.demarches.layout import ONCE_ONLY
from pipeline.domain.demarches.xml_input import parse_dossier_xml

#: As the national service sends it: Convention first, ragged indentation, empty elements,
#: repeated LieuNaissance / MethodeContact / FormaliteMotifCode, no parents.
NATIONAL = """<?xml version="1.0" encoding="UTF-8"?>
<RecensementCitoyen>
<Convention/>
  <Formalite>
        <Identifiant>A-9-NKT2G5KB</Identifiant>
    <FormaliteType>DECL</FormaliteType>
  <DateSoumission>2009-11-06T18:14:28</DateSoumission>
      <FormaliteMotifCode>RECENSEMENT</FormaliteMotifCode>
      <FormaliteMotifCode></FormaliteMotifCode>
      <FormaliteMotifCode>RECENSEMENT</FormaliteMotifCode>
    <FormaliteModeCode>AJOUT</FormaliteModeCode>
  </Formalite>
    <Personne>
  <Civilite>M</Civilite>
        <Sexe>1</Sexe>
    <NomFamille>MAMMAR</NomFamille>
    <NomUsage/>
    <PrenomUsuel>Hachemi</PrenomUsuel>
    <Prenom>  </Prenom>
    <DateNaissance>06/11/1993</DateNaissance>
    <PaysNaissance>FRA</PaysNaissance>
    <Nationalite></Nationalite>
    <CodeINSEENaissance>75115</CodeINSEENaissance>
    <LieuNaissance>
      <Code>COMMUNE</Code>
      <Nom>Paris 15e  Arrondissement</Nom>
    </LieuNaissance>
    <LieuNaissance><Code>AUTRE</Code><Nom>75015</Nom></LieuNaissance>
    <LieuNaissance><Code/><Nom/></LieuNaissance>
    <AdresseDomicile>
      <PointDeRemise/>
      <Complement></Complement>
      <NumeroVoie>4</NumeroVoie>
      <Extension/>
      <TypeVoie>RUE</TypeVoie>
      <NomVoie>de l'Église &amp; du Marché</NomVoie>
      <LieuDit/>
      <CodePostal>75015</CodePostal>
      <Localite>PARIS</Localite>
      <CodeINSEE>75115</CodeINSEE>
    </AdresseDomicile>
    <AdresseResidence>
      <PointDeRemise/><Complement/><NumeroVoie/><Extension/><TypeVoie/><NomVoie/><LieuDit/>
      <CodePostal/><Localite/><CodeINSEE/>
    </AdresseResidence>
    <SituationFamille>
      <SituationMatrimoniale>CELIBATAIRE</SituationMatrimoniale>
      <NombreEnfants>0</NombreEnfants>
      <Pupille/>
      <NombreFrereSoeur>2</NombreFrereSoeur>
    </SituationFamille>
    <MethodeContact><URI>01 45 67 89 00</URI><CanalCode>TEL</CanalCode></MethodeContact>
    <MethodeContact>
        <URI>hachemi.mammar@BearingPointConsulting.com</URI>
        <CanalCode>EMAIL</CanalCode>
    </MethodeContact>
    </Personne>
  <FiliationPere/>
  <FiliationMere>
    <NomFamille/>
  </FiliationMere>
</RecensementCitoyen>
""".encode()


def refusal(content: bytes, **kwargs: int) -> str:
    with pytest.raises(InvalidDossier) as caught:
        parse_dossier_xml(content, **kwargs)
    [error] = caught.value.errors
    assert error.field == "dossier"
    return error.message


# --- The national layout --------------------------------------------------------------------


def test_national_file_is_read_into_the_layout() -> None:
    name, data = parse_dossier_xml(NATIONAL)
    assert name == "RecensementCitoyen"
    assert data["Formalite"] == {
        "Identifiant": "A-9-NKT2G5KB",
        "FormaliteType": "DECL",
        "DateSoumission": "2009-11-06T18:14:28",
        "FormaliteMotifCode": ["RECENSEMENT", "RECENSEMENT"],
        "FormaliteModeCode": "AJOUT",
    }
    personne = data["Personne"]
    assert personne["LieuNaissance"] == [
        {"Code": "COMMUNE", "Nom": "Paris 15e  Arrondissement"},
        {"Code": "AUTRE", "Nom": "75015"},
    ]
    assert personne["MethodeContact"] == [
        {"URI": "01 45 67 89 00", "CanalCode": "TEL"},
        {"URI": "hachemi.mammar@BearingPointConsulting.com", "CanalCode": "EMAIL"},
    ]
    assert personne["AdresseDomicile"] == {
        "NumeroVoie": "4",
        "TypeVoie": "RUE",
        "NomVoie": "de l'Église & du Marché",
        "CodePostal": "75015",
        "Localite": "PARIS",
        "CodeINSEE": "75115",
    }
    assert personne["SituationFamille"] == {
        "SituationMatrimoniale": "CELIBATAIRE",
        "NombreEnfants": "0",
        "NombreFrereSoeur": "2",
    }


def test_empty_elements_are_absent() -> None:
    _, data = parse_dossier_xml(NATIONAL)
    personne = data["Personne"]
    for key in ("NomUsage", "Prenom", "Nationalite", "AdresseResidence"):
        assert key not in personne
    assert "FiliationPere" not in data and "FiliationMere" not in data


def test_convention_is_ignored() -> None:
    content = NATIONAL.replace(b"<Convention/>", b"<Convention><Id>42</Id></Convention>")
    assert "Convention" not in parse_dossier_xml(content)[1]


def test_single_repeated_element_is_still_a_list() -> None:
    content = b"""<RecensementCitoyen><Personne>
      <LieuNaissance><Code>COMMUNE</Code><Nom>Lille</Nom></LieuNaissance>
      <MethodeContact><URI>a@b.fr</URI><CanalCode>EMAIL</CanalCode></MethodeContact>
    </Personne><Formalite><FormaliteMotifCode>RECENSEMENT</FormaliteMotifCode></Formalite>
    </RecensementCitoyen>"""
    _, data = parse_dossier_xml(content)
    assert data["Personne"]["LieuNaissance"] == [{"Code": "COMMUNE", "Nom": "Lille"}]
    assert data["Personne"]["MethodeContact"] == [{"URI": "a@b.fr", "CanalCode": "EMAIL"}]
    assert data["Formalite"]["FormaliteMotifCode"] == ["RECENSEMENT"]


def test_national_file_normalizes_into_a_usable_dossier() -> None:
    _, data = parse_dossier_xml(NATIONAL)
    dossier = RCO.normalize(data)
    assert RCO.citizen_email(dossier) == "hachemi.mammar@bearingpointconsulting.com"
    assert RCO.citizen_name(dossier) == "Hachemi MAMMAR"
    assert RCO.domicile_insee(dossier) == "75115"


def test_latin1_file_with_its_declaration_is_read() -> None:
    content = (
        '<?xml version="1.0" encoding="ISO-8859-1"?>'
        "<RecensementCitoyen><Personne><NomFamille>LEFÈVRE</NomFamille></Personne>"
        "</RecensementCitoyen>"
    ).encode("latin-1")
    assert parse_dossier_xml(content)[1]["Personne"]["NomFamille"] == "LEFÈVRE"


def test_comments_and_processing_instructions_are_skipped() -> None:
    content = (
        b"<RecensementCitoyen><!-- export --><Personne><?app x?>"
        b"<NomFamille>MARTIN<!-- sic --></NomFamille></Personne></RecensementCitoyen>"
    )
    assert parse_dossier_xml(content)[1] == {"Personne": {"NomFamille": "MARTIN"}}


@pytest.mark.parametrize("content", [
    b'<RecensementCitoyen xmlns="urn:x"><Personne><Sexe>2</Sexe></Personne>'
    b"</RecensementCitoyen>",
    b'<rc:RecensementCitoyen xmlns:rc="urn:x"><Personne><Sexe>2</Sexe></Personne>'
    b"</rc:RecensementCitoyen>",
    b'<RecensementCitoyen><Personne xmlns="urn:x"><Sexe>2</Sexe></Personne>'
    b"</RecensementCitoyen>",
    b'<RecensementCitoyen xmlns:p="urn:x"><Personne><p:Sexe>2</p:Sexe></Personne>'
    b"</RecensementCitoyen>",
], ids=["default-on-root", "prefixed-root", "default-below", "prefixed-below"])
def test_element_in_a_namespace_is_refused(content: bytes) -> None:
    with pytest.raises(InvalidDossier) as refused:
        parse_dossier_xml(content)

    (error,) = refused.value.errors
    assert error.field == "dossier"
    assert "espace de noms" in error.message and "format national n'en a pas" in error.message


def test_xml_nested_deeper_than_the_parser_goes_is_refused_saying_so() -> None:
    content = b"<RecensementCitoyen>" + b"<x>" * 300 + b"</x>" * 300 + b"</RecensementCitoyen>"

    with pytest.raises(InvalidDossier) as refused:
        parse_dossier_xml(content)

    assert "trop imbriqué" in refused.value.errors[0].message


def test_unused_namespace_declaration_and_convention_content_are_accepted() -> None:
    # What schema-aware tools write: a declaration for xsi:noNamespaceSchemaLocation only.
    content = (
        b'<RecensementCitoyen xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        b'xsi:noNamespaceSchemaLocation="recensement-citoyen.xsd">'
        b'<Convention><c:Accord xmlns:c="urn:convention">1</c:Accord></Convention>'
        b"<Personne><Sexe>2</Sexe></Personne></RecensementCitoyen>"
    )
    assert parse_dossier_xml(content) == ("RecensementCitoyen", {"Personne": {"Sexe": "2"}})


def test_ile_root_is_accepted() -> None:
    content = b"""<InscriptionListesElectorales>
      <Rattachement><Motif>DOMICILE</Motif></Rattachement>
      <Election><Date>15/03/2026</Date><Type>municipales</Type></Election>
      <MotifTardif/>
    </InscriptionListesElectorales>"""
    name, data = parse_dossier_xml(content)
    assert name == ILE.id
    assert data == {
        "Rattachement": {"Motif": "DOMICILE"},
        "Election": {"Date": "15/03/2026", "Type": "municipales"},
    }


def test_root_without_content_gives_empty_data() -> None:
    assert parse_dossier_xml(b"<RecensementCitoyen/>") == ("RecensementCitoyen", {})


def test_element_given_twice_is_kept_for_normalize_to_report() -> None:
    content = (
        b"<RecensementCitoyen><Personne><NomFamille>A</NomFamille><NomFamille>B</NomFamille>"
        b"<MethodeContact><URI>a@b.fr</URI><CanalCode>EMAIL</CanalCode></MethodeContact>"
        b"</Personne></RecensementCitoyen>"
    )
    _, data = parse_dossier_xml(content)
    assert data["Personne"]["NomFamille"] == ["A", "B"]
    with pytest.raises(InvalidDossier) as caught:
        RCO.normalize(data)
    assert [(e.field, e.message) for e in caught.value.errors] == [
        ("Personne.NomFamille", ONCE_ONLY)
    ]


# --- Hostile and broken input ---------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<RecensementCitoyen><Personne><NomFamille>&lol9;</NomFamille></Personne></RecensementCitoyen>
"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE RecensementCitoyen [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<RecensementCitoyen><Personne><NomFamille>&xxe;</NomFamille></Personne></RecensementCitoyen>
"""


def test_billion_laughs_is_refused_quickly_with_a_clear_message() -> None:
    started = time.monotonic()
    message = refusal(BILLION_LAUGHS)
    assert time.monotonic() - started < 1
    assert "DOCTYPE" in message and "refusée" in message


def test_external_entity_is_refused_without_reading_the_file() -> None:
    message = refusal(XXE)
    assert "DOCTYPE" in message
    assert "root:" not in message


def test_external_dtd_is_refused() -> None:
    content = (
        b'<!DOCTYPE RecensementCitoyen SYSTEM "http://example.invalid/rc.dtd"><RecensementCitoyen/>'
    )
    assert "DOCTYPE" in refusal(content)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
@pytest.mark.parametrize("content", [XXE, BILLION_LAUGHS], ids=["xxe", "billion_laughs"])
def test_declarations_in_wide_encodings_are_refused(content: bytes, encoding: str) -> None:
    declared = content.decode().replace('version="1.0"', f'version="1.0" encoding="{encoding}"')
    assert "DOCTYPE" in refusal(declared.encode(encoding))


@pytest.mark.parametrize("content", [XXE, BILLION_LAUGHS], ids=["xxe", "billion_laughs"])
def test_parser_itself_refuses_what_the_scan_would_miss(
    content: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xml_input, "_declares_dtd", lambda content: False)
    message = refusal(content)
    assert "root:" not in message and "lol" not in message


def test_oversize_file_is_refused() -> None:
    message = refusal(NATIONAL, max_bytes=len(NATIONAL) - 1)
    assert "trop volumineux" in message


def test_file_of_exactly_the_maximum_size_is_read() -> None:
    assert parse_dossier_xml(NATIONAL, max_bytes=len(NATIONAL))[0] == "RecensementCitoyen"


def test_default_limit_refuses_files_over_two_megabytes() -> None:
    content = b"<RecensementCitoyen>" + b" " * 2_000_000 + b"</RecensementCitoyen>"
    assert "trop volumineux" in refusal(content)


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
        b"Bonjour, voici mon dossier.",
        b"<RecensementCitoyen><Personne><NomFamille>MARTIN</Personne>",
        b"<RecensementCitoyen>",
        b"\xff\xfe\x00garbage",
    ],
)
def test_non_xml_is_refused(content: bytes) -> None:
    assert "XML bien formé" in refusal(content)


@pytest.mark.parametrize("content", [b"", b"   \n"])
def test_empty_file_is_refused(content: bytes) -> None:
    assert "vide" in refusal(content)


def test_unknown_root_is_refused() -> None:
    message = refusal(b"<DemandeActeNaissance><Personne/></DemandeActeNaissance>")
    assert "DemandeActeNaissance" in message
    assert "RecensementCitoyen" in message
