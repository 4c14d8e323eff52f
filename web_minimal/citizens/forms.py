"""The filing forms of RCO and ILE: their fields, and the démarche data they build.

Every field is named by its dotted path in the démarche's data (``Personne.NomFamille``), so a
``FieldError`` of the démarche's ``normalize`` lands beside the field it concerns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipeline.domain.attachments import KIND_LABELS
from pipeline.domain.demarches import ILE, RCO, Demarche, Election
from pipeline.domain.demarches.common import ATTACHMENT_LABELS
from pipeline.domain.demarches.dates import format_date
from pipeline.domain.demarches.ile import ATTACHMENT_LABELS as ILE_ATTACHMENT_LABELS
from pipeline.domain.demarches.ile import LATE_REASONS
from pipeline.domain.demarches.limits import max_length

#: The phone number's field: it becomes a ``MethodeContact`` of ``CanalCode`` ``TEL``.
PHONE = "Personne.Telephone"
#: Where the démarche's errors land when the data's path is not a field's name: the e-mail
#: address is the account's, so a contact the démarche refuses is the phone number.
FIELD_OF_PATH = {"Personne.MethodeContact.URI": PHONE}
#: Birthplaces are ``LieuNaissance`` entries; the form asks for the town.
BIRTHPLACES = ("Personne", "FiliationPere", "FiliationMere")
NATIONALITIES = (
    ("FRA", "Française"), ("DEU", "Allemande"), ("AUT", "Autrichienne"), ("BEL", "Belge"),
    ("BGR", "Bulgare"), ("CYP", "Chypriote"), ("HRV", "Croate"), ("DNK", "Danoise"),
    ("ESP", "Espagnole"), ("EST", "Estonienne"), ("FIN", "Finlandaise"), ("GRC", "Grecque"),
    ("HUN", "Hongroise"), ("IRL", "Irlandaise"), ("ITA", "Italienne"), ("LVA", "Lettone"),
    ("LTU", "Lituanienne"), ("LUX", "Luxembourgeoise"), ("MLT", "Maltaise"),
    ("NLD", "Néerlandaise"), ("POL", "Polonaise"), ("PRT", "Portugaise"), ("ROU", "Roumaine"),
    ("SVK", "Slovaque"), ("SVN", "Slovène"), ("SWE", "Suédoise"), ("CZE", "Tchèque"),
)
MOTIFS = (
    ("DOMICILE", "J'ai mon domicile dans la commune"),
    ("RESIDENCE", "J'y réside depuis au moins 6 mois"),
    ("CONTRIBUABLE", "J'y paie des impôts locaux pour la 2e année consécutive"),
    ("GERANT", "Je dirige une société qui y paie des impôts locaux depuis 2 ans"),
    ("FONCTIONNAIRE", "Fonctionnaire, je suis tenu(e) d'y résider"),
    ("PARENT", "J'ai moins de 26 ans et j'habite chez un parent domicilié dans la commune"),
)
SITUATIONS = ("Collégien(ne)", "Lycéen(ne)", "Étudiant(e)", "Apprenti(e)", "Salarié(e)",
              "Demandeur(se) d'emploi", "Autre")


@dataclass(frozen=True)
class Field:
    """One input of a form."""

    name: str
    label: str
    kind: str = "text"  # text, date, tel, select
    help: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    required: bool = False
    autocomplete: str = ""
    default: str = ""
    #: Part of the citizen's usual data (saved, and prefilled in new forms).
    usual: bool = False

    @property
    def id(self) -> str:
        return "champ-" + self.name.replace(".", "-")

    def shown(self, value: str) -> str:
        """The value as the citizen chose it (a choice's label)."""
        return dict(self.choices).get(value, value) if self.choices else value

    @property
    def max_length(self) -> int:
        """The longest value the démarche takes here: the browser stops the typing there."""
        path = next((p for p, name in FIELD_OF_PATH.items() if name == self.name), self.name)
        return max_length(path)


@dataclass(frozen=True)
class Section:
    title: str
    fields: tuple[Field, ...]
    help: str = ""


@dataclass(frozen=True)
class Piece:
    """A kind of document the démarche takes."""

    kind: str
    label: str
    help: str

    @property
    def file_field(self) -> str:
        return f"fichier-{self.kind}"

    @property
    def pick_field(self) -> str:
        return f"piece-{self.kind}"


@dataclass(frozen=True)
class FilingForm:
    """The form of one démarche."""

    slug: str
    demarche: Demarche
    heading: str
    sections: tuple[Section, ...]
    pieces: tuple[Piece, ...]
    formalite: dict[str, Any] = field(default_factory=dict)

    @property
    def fields(self) -> list[Field]:
        return [f for section in self.sections for f in section.fields]

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    def field_of(self, path: str) -> str | None:
        """The name of the field where an error on the data's ``path`` is shown, if any."""
        name = FIELD_OF_PATH.get(path, path)
        return name if self.field(name) is not None else None


def _yes_no(label: str) -> tuple[tuple[str, str], ...]:
    return (("", "Non"), ("oui", label))


def identity_fields() -> tuple[Field, ...]:
    return (
        Field("Personne.Civilite", "Civilité", "select",
              choices=(("", "Non précisée"), ("M", "Monsieur"), ("MME", "Madame")), usual=True),
        Field("Personne.Sexe", "Sexe", "select",
              choices=(("", "Non précisé"), ("1", "Masculin"), ("2", "Féminin")), usual=True),
        Field("Personne.NomFamille", "Nom de famille (nom de naissance)", required=True,
              autocomplete="family-name", usual=True),
        Field("Personne.NomUsage", "Nom d'usage", help="Par exemple le nom d'époux ou d'épouse.",
              usual=True),
        Field("Personne.PrenomUsuel", "Prénom usuel", required=True, autocomplete="given-name",
              usual=True),
        Field("Personne.Prenom", "Autres prénoms", help="Dans l'ordre de l'état civil.",
              autocomplete="additional-name", usual=True),
        Field("Personne.DateNaissance", "Date de naissance", "date", required=True,
              help="Au format jj/mm/aaaa, par exemple 12/01/2010.", autocomplete="bday",
              usual=True),
        Field("Personne.LieuNaissance.Nom", "Commune de naissance", required=True,
              help="Pour une naissance à l'étranger : la ville.", usual=True),
        Field("Personne.PaysNaissance", "Pays de naissance", default="FRA",
              help="Code du pays en 3 lettres : FRA pour la France, DEU pour l'Allemagne…",
              usual=True),
    )


def address_fields() -> tuple[Field, ...]:
    base = "Personne.AdresseDomicile"
    return (
        Field(f"{base}.NumeroVoie", "Numéro dans la voie", usual=True),
        Field(f"{base}.NomVoie", "Voie", help="Type et nom, par exemple : rue des Lilas.",
              autocomplete="address-line1", usual=True),
        Field(f"{base}.Complement", "Complément d'adresse",
              help="Bâtiment, appartement, lieu-dit…", autocomplete="address-line2", usual=True),
        Field(f"{base}.CodePostal", "Code postal", required=True, autocomplete="postal-code",
              usual=True),
        Field(f"{base}.Localite", "Commune", required=True, autocomplete="address-level2",
              usual=True),
        Field(PHONE, "Téléphone", "tel", help="Facultatif : pour que la mairie puisse vous "
              "joindre.", autocomplete="tel", usual=True),
    )


def _parent(key: str, who: str) -> tuple[Field, ...]:
    return (
        Field(f"{key}.NomFamille", f"Nom de famille {who}"),
        Field(f"{key}.PrenomUsuel", f"Prénom {who}"),
        Field(f"{key}.DateNaissance", f"Date de naissance {who}", "date",
              help="Au format jj/mm/aaaa."),
        Field(f"{key}.LieuNaissance.Nom", f"Commune de naissance {who}"),
    )


#: What to send for a piece, where the national wording says too little.
PIECE_HELP = {
    "carte_invalidite": "Seulement si vous demandez l'exemption de la journée défense et "
                        "citoyenneté.",
    "justificatif_domicile": "Facture, quittance de loyer, avis d'imposition… de moins de 3 mois.",
}


def _pieces(demarche: Demarche, order: tuple[str, ...],
            wording: dict[str, str]) -> tuple[Piece, ...]:
    def help_for(kind: str) -> str:
        said = wording.get(kind, "")
        if kind in PIECE_HELP and (demarche is RCO or not said):
            return PIECE_HELP[kind]
        return f"{said[:1].upper()}{said[1:]}." if said else ""

    kinds = [kind for kind in order if kind in demarche.attachment_kinds]
    return tuple(Piece(kind, KIND_LABELS[kind], help_for(kind)) for kind in kinds)


def rco_form() -> FilingForm:
    return FilingForm(
        slug="recensement", demarche=RCO, heading="Recensement citoyen obligatoire",
        sections=(
            Section("Votre identité", identity_fields()),
            Section("Votre domicile", address_fields(),
                    help="Pour un mineur : le domicile de ses parents."),
            Section("Vos parents", _parent("FiliationPere", "du père")
                    + _parent("FiliationMere", "de la mère"),
                    help="Si vous les connaissez, comme sur le livret de famille."),
            Section("Votre situation", (
                Field("Personne.SituationScolaireOuProfessionnelle",
                      "Situation scolaire ou professionnelle", "select",
                      choices=(("", "Non précisée"), *((s, s) for s in SITUATIONS))),
                Field("Personne.DemandeExemption",
                      "Demande d'exemption de la journée défense et citoyenneté", "select",
                      choices=_yes_no("Oui, je la demande (carte d'invalidité jointe)"),
                      help="Pour les personnes atteintes d'une maladie invalidante, d'une "
                           "infirmité ou d'un handicap."),
            )),
        ),
        pieces=_pieces(RCO, ("justificatif_identite", "livret_famille", "justificatif_domicile",
                             "carte_invalidite"), ATTACHMENT_LABELS),
        formalite={"FormaliteType": "DECL", "FormaliteMotifCode": ["RECENSEMENT"],
                   "FormaliteModeCode": "AJOUT"},
    )


def ile_form(elections: tuple[Election, ...] = (), today: Any = None) -> FilingForm:
    upcoming = sorted((e for e in elections if today is None or e.first_round > today),
                      key=lambda e: e.first_round)
    scrutins = tuple((format_date(e.first_round),
                      e.label or f"Scrutin du {format_date(e.first_round)}") for e in upcoming)
    return FilingForm(
        slug="inscription-listes-electorales", demarche=ILE,
        heading="Inscription sur les listes électorales",
        sections=(
            Section("Votre identité", (*identity_fields(), Field(
                "Personne.Nationalite", "Nationalité", "select", choices=NATIONALITIES,
                default="FRA", help="Les ressortissants d'un autre État de l'Union européenne "
                "s'inscrivent sur les listes complémentaires (élections municipales et "
                "européennes).", usual=True))),
            Section("Votre domicile", address_fields()),
            Section("Votre attache avec la commune", (
                Field("Rattachement.Motif", "Motif de l'inscription dans cette commune", "select",
                      choices=MOTIFS, default="DOMICILE", required=True),
                Field("InscriptionPrecedente.Localite", "Commune d'inscription précédente",
                      help="Si vous étiez inscrit(e) sur les listes d'une autre commune."),
            )),
            Section("Le scrutin", (
                Field("Election.Date", "Scrutin visé", "select",
                      choices=(("", "Le prochain scrutin"), *scrutins)),
                Field("MotifTardif", "Si vous déposez après la date limite : motif", "select",
                      choices=(("", "Aucun"), *LATE_REASONS.items()),
                      help="Déposée après la date limite en ligne, une demande n'est recevable "
                           "qu'avec l'un de ces motifs, jusqu'au 10e jour avant le scrutin."),
            )),
        ),
        pieces=_pieces(ILE, ("justificatif_identite", "justificatif_domicile",
                             "declaration_ue"), {**ATTACHMENT_LABELS, **ILE_ATTACHMENT_LABELS}),
        formalite={"FormaliteType": "DECL", "FormaliteModeCode": "AJOUT"},
    )


#: The démarches citizens file here, by the last part of their address.
SLUGS = {"recensement": RCO.id, "inscription-listes-electorales": ILE.id}


def form_for(slug: str, elections: tuple[Election, ...] = (), today: Any = None) -> FilingForm:
    """The form of the démarche at ``/demarches/<slug>``; KeyError for an unknown one."""
    if SLUGS[slug] == RCO.id:
        return rco_form()
    return ile_form(elections, today)


def usual_fields() -> tuple[Field, ...]:
    """The fields kept as the citizen's usual data."""
    return (*identity_fields(), *address_fields())


def build_data(form: FilingForm, values: dict[str, str], email: str,
               elections: tuple[Election, ...] = ()) -> dict[str, Any]:
    """The démarche's data from the form's values; the e-mail is the account's."""
    data: dict[str, Any] = {"Formalite": dict(form.formalite)} if form.formalite else {}
    for one in form.fields:
        value = values.get(one.name, "").strip()
        if value and one.name != PHONE:
            _put(data, one.name, value)
    for key in BIRTHPLACES:
        lieu = data.get(key, {}).get("LieuNaissance")
        if isinstance(lieu, dict):
            data[key]["LieuNaissance"] = [{"Code": "COMMUNE", **lieu}]
    contacts = [{"URI": email, "CanalCode": "EMAIL"}]
    if values.get(PHONE, "").strip():
        contacts.append({"URI": values[PHONE].strip(), "CanalCode": "TEL"})
    data.setdefault("Personne", {})["MethodeContact"] = contacts
    election = data.get("Election")
    if isinstance(election, dict) and election.get("Date"):
        for known in elections:
            if format_date(known.first_round) == election["Date"]:
                election["Type"] = known.type
    return data


def usual_values(values: dict[str, str]) -> dict[str, str]:
    """The part of a form's values kept as usual data."""
    names = {one.name for one in usual_fields()}
    return {name: value for name, value in values.items() if name in names and value.strip()}


def _put(data: dict[str, Any], path: str, value: str) -> None:
    *parents, last = path.split(".")
    node = data
    for key in parents:
        node = node.setdefault(key, {})
    node[last] = value

