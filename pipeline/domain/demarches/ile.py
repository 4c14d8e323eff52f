"""The inscription sur les listes électorales (ILE): the project's layout, documents, deadlines.

There is no national file for ILE here; its layout follows the spirit of the national
``RecensementCitoyen`` one. Root ``InscriptionListesElectorales``, no namespace; keys are
element names, dates dd/mm/yyyy, empty means absent:

- ``Formalite``: as for RCO (``Identifiant``, ``FormaliteType``, ``DateSoumission``,
  ``FormaliteMotifCode`` repeated, ``FormaliteModeCode``).
- ``Personne``: as for RCO. ``Nationalite`` (ISO 3166 alpha-3) matters here: ``FRA``, or another
  EU member state's code for the complementary lists. Empty is no reason to refuse: nationality is
  proven by the identity document.
- ``Rattachement``: ``Motif``, the tie to the commune: ``DOMICILE``; ``RESIDENCE`` (6 months or
  more); ``CONTRIBUABLE`` (local tax rolls, 2nd consecutive year); ``GERANT`` (manager or
  majority partner of a company on those rolls); ``FONCTIONNAIRE`` (civil servant bound to live
  there); ``PARENT`` (under 26, a parent's domicile). Absent: read as ``DOMICILE``.
- ``InscriptionPrecedente`` (optional): ``CodeINSEE``, ``Localite``, ``Pays`` of the previous
  registration.
- ``Election`` (optional): ``Date`` (first round, dd/mm/yyyy) and ``Type`` (``municipales``,
  ``europeennes``, ``presidentielle``, ``legislatives``...) of the election aimed at. Default:
  the next configured election after today.
- ``MotifTardif`` (optional): why a request after the deadline is still in time, one of
  ``LATE_REASONS``.

The filing day is ``ctx.today``: validation runs when the dossier is taken in.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from pipeline.domain.demarches import common, dates, layout
from pipeline.domain.demarches.base import (
    AttachmentInfo,
    Election,
    FieldError,
    Flag,
    ValidationContext,
    ValidationReport,
)

#: Electors are 18 on the day before the first round at the latest (Code électoral, L11).
MAJORITY_AGE = 18
#: ISO 3166 alpha-3 codes of the EU member states (as of 2026), France included.
EU_MEMBER_STATES = frozenset(
    [
        "AUT",
        "BEL",
        "BGR",
        "CYP",
        "CZE",
        "DEU",
        "DNK",
        "ESP",
        "EST",
        "FIN",
        "FRA",
        "GRC",
        "HRV",
        "HUN",
        "IRL",
        "ITA",
        "LTU",
        "LUX",
        "LVA",
        "MLT",
        "NLD",
        "POL",
        "PRT",
        "ROU",
        "SVK",
        "SVN",
        "SWE",
    ]
)
#: The only elections the complementary lists (EU citizens) are used for.
COMPLEMENTARY_LIST_TYPES = frozenset({"municipales", "europeennes"})
#: Late exceptions (Code électoral, L30) are accepted until this many days before the vote.
LATE_LIMIT_DAYS = 10
#: Late-exception reasons the online form offers, with their French wording.
LATE_REASONS = {
    "DEMENAGEMENT_PROFESSIONNEL": "déménagement pour motif professionnel",
    "MAJORITE": "18 ans atteints après la date limite",
    "NATURALISATION": "acquisition de la nationalité française",
    "RECOUVREMENT_DROITS": "recouvrement du droit de vote",
}
#: Ties to the commune (one is enough).
MOTIFS = frozenset({"DOMICILE", "RESIDENCE", "CONTRIBUABLE", "GERANT", "FONCTIONNAIRE", "PARENT"})
#: Ties under which the declared domicile must be in the commune.
DOMICILE_MOTIFS = frozenset({"DOMICILE", "RESIDENCE", "PARENT"})
DEFAULT_MOTIF = "DOMICILE"
#: Every refusal tells the elector how to appeal (Code électoral, L18).
RAPO_NOTICE = (
    "Vous pouvez contester cette décision par un recours administratif préalable obligatoire "
    "(RAPO) devant la commission de contrôle de votre commune, dans un délai de 5 jours à compter "
    "de sa notification."
)
ATTACHMENT_LABELS = {
    "justificatif_domicile": (
        "un justificatif de domicile de moins de 3 mois à votre nom (ou, si vous habitez chez vos "
        "parents ou êtes hébergé, le justificatif et l'attestation de l'hébergeant)"
    ),
}

LAYOUT: dict[str, Any] = {
    "Formalite": layout.FORMALITE,
    "Personne": layout.PERSONNE,
    "Rattachement": {"Motif": layout.TEXT},
    "InscriptionPrecedente": dict.fromkeys(("CodeINSEE", "Localite", "Pays"), layout.TEXT),
    "Election": {"Date": layout.TEXT, "Type": layout.TEXT},
    "MotifTardif": layout.TEXT,
}


class InscriptionListesElectorales(common.PersonDemarche):
    """The ILE démarche: one instance, ``ILE``."""

    id = "InscriptionListesElectorales"
    short = "ILE"
    title = "Demande d'inscription sur les listes électorales"
    attachment_kinds = frozenset(
        {"justificatif_identite", "justificatif_domicile", "declaration_ue"}
    )
    issues_attestation = False
    enters_register = True
    data_layout = LAYOUT

    def normalize_own_parts(self, out: dict[str, Any], errors: list[FieldError]) -> None:
        """The tie to the commune, the election, the previous registration, the late reason."""
        _normalize_motif(out, errors)
        _normalize_election(out, errors)
        if "InscriptionPrecedente" in out:
            previous = out["InscriptionPrecedente"]
            common.normalize_insee(previous, "InscriptionPrecedente", errors)
            if "Pays" in previous:
                previous["Pays"] = previous["Pays"].upper()
        if "MotifTardif" in out:
            out["MotifTardif"] = out["MotifTardif"].upper()

    def validate(
        self, data: dict[str, Any], attachments: list[AttachmentInfo], ctx: ValidationContext
    ) -> ValidationReport:
        """Apply the ILE rules: missing data and documents, age, nationality, deadline, commune."""
        personne = layout.section(data, "Personne")
        nationality = (layout.text(personne, "Nationalite") or "").upper()
        eu_citizen = nationality in EU_MEMBER_STATES and nationality != "FRA"
        required = ["justificatif_identite", "justificatif_domicile"]
        if eu_citizen:
            required.append("declaration_ue")
        missing = common.missing_identity(personne)
        missing += common.missing_attachments(required, attachments, ATTACHMENT_LABELS)
        election = target_election(data, ctx)
        flags: list[Flag] = []
        motives: list[str] = []
        _check_age(personne, election, ctx.today, flags, motives)
        _check_nationality(nationality, election, flags, motives)
        late = _check_deadline(data, election, ctx.today, flags, motives)
        motif = layout.text(layout.section(data, "Rattachement"), "Motif") or DEFAULT_MOTIF
        if motif.upper() in DOMICILE_MOTIFS:
            what = "l'inscription sur les listes électorales"
            common.check_commune(personne, ctx, flags, motives, what)
        refusal = common.join_motives(motives, RAPO_NOTICE)
        return ValidationReport(missing=missing, flags=flags, refusal_motive=refusal, late=late)


def _normalize_motif(out: dict[str, Any], errors: list[FieldError]) -> None:
    rattachement = layout.section(out, "Rattachement")
    if "Motif" not in rattachement:
        return
    motif = rattachement["Motif"].upper()
    if motif in MOTIFS:
        rattachement["Motif"] = motif
    else:
        choices = ", ".join(sorted(MOTIFS))
        message = f"Le motif de rattachement à la commune doit être l'un de : {choices}."
        errors.append(FieldError("Rattachement.Motif", message))


def _normalize_election(out: dict[str, Any], errors: list[FieldError]) -> None:
    election = layout.section(out, "Election")
    if "Date" in election:
        on = dates.parse_date(election["Date"])
        if on is None:
            errors.append(FieldError("Election.Date", dates.BAD_DATE))
        else:
            election["Date"] = dates.format_date(on)
    if "Type" in election:
        election["Type"] = common.fold(election["Type"])


def target_election(data: dict[str, Any], ctx: ValidationContext) -> Election | None:
    """Return the election the elector aims at: the one named, else the next configured one."""
    wanted = layout.section(data, "Election")
    on = dates.parse_date(layout.text(wanted, "Date"))
    kind = layout.text(wanted, "Type")
    kind = common.fold(kind) if kind else None
    if on is not None:
        same_day = [e for e in ctx.elections if e.first_round == on]
        # A date the commune has not configured still has the legal deadlines.
        matching = [e for e in same_day if kind is None or common.fold(e.type) == kind]
        return (matching or same_day or [Election(first_round=on, type=kind or "")])[0]
    upcoming = sorted(
        (
            e
            for e in ctx.elections
            if e.first_round > ctx.today and (kind is None or common.fold(e.type) == kind)
        ),
        key=lambda e: e.first_round,
    )
    return upcoming[0] if upcoming else None


def online_deadline(election: Election) -> date:
    """Return the last day an online request is in time for ``election`` (that day included).

    By default the 6th Wednesday before the first round; an election may set its own.
    """
    if election.online_deadline is not None:
        return election.online_deadline
    return dates.sixth_wednesday_before(election.first_round)


def late_limit(election: Election) -> date:
    """Return the last day a late request with a recognised reason is in time."""
    return election.first_round - timedelta(days=LATE_LIMIT_DAYS)


def _describe(election: Election) -> str:
    """Return "scrutin du 15/03/2026 (municipales 2026)", to follow "le" or "du"."""
    described = f"scrutin du {dates.format_date(election.first_round)}"
    return f"{described} ({election.label})" if election.label else described


def _check_age(
    personne: dict[str, Any],
    election: Election | None,
    today: date,
    flags: list[Flag],
    motives: list[str],
) -> None:
    """Flag an elector under 18 on the day before the first round (today without election)."""
    born = dates.parse_date(layout.text(personne, "DateNaissance"))
    if born is None:
        return  # reported as missing
    on = election.first_round - timedelta(days=1) if election else today
    if dates.age_on(born, on) >= MAJORITY_AGE:
        return
    adult = dates.format_date(dates.anniversary(born, MAJORITY_AGE))
    if election:
        message = (
            f"N'aura pas {MAJORITY_AGE} ans la veille du premier tour ({_describe(election)}) : "
            f"{MAJORITY_AGE} ans le {adult}."
        )
        flags.append(Flag("mineur", message))
        motives.append(
            f"Vous aurez {MAJORITY_AGE} ans le {adult} : il faut avoir {MAJORITY_AGE} ans au plus "
            f"tard la veille du premier tour pour être inscrit en vue du {_describe(election)}."
        )
    else:
        message = f"Moins de {MAJORITY_AGE} ans : {MAJORITY_AGE} ans le {adult}."
        flags.append(Flag("mineur", message))
        motives.append(
            f"Vous aurez {MAJORITY_AGE} ans le {adult} : l'inscription sur les listes électorales "
            f"n'est possible qu'à partir de {MAJORITY_AGE} ans."
        )


def _check_nationality(
    nationality: str, election: Election | None, flags: list[Flag], motives: list[str]
) -> None:
    """Flag a nationality outside the EU, and an EU citizen aiming at a national election."""
    if not nationality:
        return  # proven by the identity document
    if nationality not in EU_MEMBER_STATES:
        message = (
            f"Nationalité déclarée {nationality} : ni française ni d'un État membre de l'Union "
            "européenne."
        )
        flags.append(Flag("nationalite", message))
        motives.append(
            "L'inscription sur les listes électorales est réservée aux Français et, sur les listes "
            "complémentaires, aux ressortissants des autres États membres de l'Union européenne."
        )
    elif nationality != "FRA" and election and not _complementary(election):
        message = (
            f"Ressortissant de l'UE ({nationality}) : inscription sur les listes complémentaires, "
            f"valables pour les seules élections municipales et européennes, pas pour le "
            f"{_describe(election)}."
        )
        flags.append(Flag("liste_complementaire", message))


def _complementary(election: Election) -> bool:
    return common.fold(election.type) in COMPLEMENTARY_LIST_TYPES


def _check_deadline(
    data: dict[str, Any],
    election: Election | None,
    today: date,
    flags: list[Flag],
    motives: list[str],
) -> bool:
    """Flag a request after the online deadline; return True for an admissible late one."""
    if election is None:
        return False  # no configured election: no deadline to miss
    deadline = online_deadline(election)
    if today <= deadline:
        return False
    reason = (layout.text(data, "MotifTardif") or "").upper()
    limit = late_limit(election)
    if reason in LATE_REASONS and today <= limit:
        message = (
            f"Demande après la date limite du {dates.format_date(deadline)}, motif : "
            f"{LATE_REASONS[reason]} ; recevable jusqu'au {dates.format_date(limit)}. "
            "Vérifier le justificatif du motif."
        )
        flags.append(Flag("inscription_tardive", message))
        return True
    message = (
        f"Demande du {dates.format_date(today)}, après la date limite en ligne du "
        f"{dates.format_date(deadline)} ({_describe(election)})."
    )
    if reason:
        message += f" Motif tardif {reason} non recevable (inconnu, ou après J-{LATE_LIMIT_DAYS})."
    flags.append(Flag("hors_delai", message))
    motives.append(
        f"Votre demande a été déposée le {dates.format_date(today)}, après la date limite "
        f"d'inscription en ligne ({dates.format_date(deadline)}) pour le {_describe(election)}."
    )
    return False


ILE = InscriptionListesElectorales()
