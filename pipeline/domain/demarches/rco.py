"""The recensement citoyen obligatoire (RCO): national layout, documents and age window.

The data follow the national ``RecensementCitoyen`` XML layout (see ``layout.PERSONNE``):
``Formalite``, ``Personne``, ``FiliationPere``, ``FiliationMere``. Eligibility is never decided
here: a dossier outside the window reaches the agent flagged, with a prepared refusal motive.
Someone who became French between 16 and 25 registers within the month after; the data do not
say when, so such a dossier shows as a régularisation and the agent judges.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pipeline.domain.demarches import common, dates, layout
from pipeline.domain.demarches.base import (
    AttachmentInfo,
    Flag,
    ValidationContext,
    ValidationReport,
)

#: Age from which one registers (Code du service national, L113-1).
START_AGE = 16
#: The normal window closes at the end of this many months after the month of the 16th birthday.
WINDOW_MONTHS = 3
#: Late registration (régularisation) is possible until this birthday, excluded.
END_AGE = 25

LAYOUT: dict[str, Any] = {
    "Formalite": layout.FORMALITE,
    "Personne": layout.PERSONNE,
    "FiliationPere": layout.FILIATION,
    "FiliationMere": layout.FILIATION,
}


class RecensementCitoyen(common.PersonDemarche):
    """The RCO démarche: one instance, ``RCO``."""

    id = "RecensementCitoyen"
    short = "RCO"
    title = "Démarche d'inscription à la journée d'appel de préparation à la défense"
    attachment_kinds = frozenset(
        {"justificatif_identite", "livret_famille", "justificatif_domicile", "carte_invalidite"}
    )
    issues_attestation = True
    enters_register = False
    data_layout = LAYOUT

    def validate(
        self, data: dict[str, Any], attachments: list[AttachmentInfo], ctx: ValidationContext
    ) -> ValidationReport:
        """Apply the RCO rules: missing data and documents, age window, competent commune."""
        personne = layout.section(data, "Personne")
        required = ["justificatif_identite", "livret_famille"]
        if ctx.rco_requires_proof_of_address:
            required.append("justificatif_domicile")
        missing = common.missing_identity(personne)
        missing += common.missing_attachments(required, attachments)
        flags: list[Flag] = []
        motives: list[str] = []
        late = _check_age(personne, ctx.today, flags, motives)
        common.check_commune(personne, ctx, flags, motives, "le recensement")
        return ValidationReport(
            missing=missing, flags=flags, refusal_motive=common.join_motives(motives), late=late
        )


def _check_age(
    personne: dict[str, Any], today: date, flags: list[Flag], motives: list[str]
) -> bool:
    """Flag a dossier outside the window; return True for a régularisation."""
    born = dates.parse_date(layout.text(personne, "DateNaissance"))
    if born is None:
        return False  # reported as missing
    sixteen = dates.anniversary(born, START_AGE)
    limit = dates.anniversary(born, END_AGE)
    window_end = dates.last_day_of_month_after(sixteen, WINDOW_MONTHS)
    if today < sixteen:
        on = dates.format_date(sixteen)
        flags.append(Flag("trop_jeune", f"Moins de {START_AGE} ans : {START_AGE} ans le {on}."))
        motives.append(
            f"Le recensement ne peut être fait qu'à partir du jour des {START_AGE} ans, soit le "
            f"{on} : nous vous invitons à renouveler votre démarche à partir de cette date."
        )
    elif today >= limit:
        on = dates.format_date(limit)
        message = f"{END_AGE} ans ou plus ({END_AGE} ans le {on}) : régularisation impossible."
        flags.append(Flag("trop_age", message))
        motives.append(
            f"Le recensement citoyen n'est plus possible à partir de {END_AGE} ans (atteints le "
            f"{on})."
        )
    elif today > window_end:
        message = (
            f"Recensement tardif (régularisation) : la période normale s'est terminée le "
            f"{dates.format_date(window_end)} ; recevable jusqu'à la veille des {END_AGE} ans "
            f"({END_AGE} ans le {dates.format_date(limit)})."
        )
        flags.append(Flag("regularisation", message))
        return True
    return False


RCO = RecensementCitoyen()
