"""The words of every e-mail, in French: one function per purpose, returning subject and body."""

from __future__ import annotations

from pipeline.domain.attachments import size_label
from pipeline.domain.clock import paris_time
from pipeline.domain.demarches import AttachmentInfo, Demarche
from pipeline.domain.lifecycle import Outcome
from pipeline.store.model import Dossier

SIGNATURE = (
    "Cordialement,\n{commune}\n\n"
    "Ce message a été envoyé automatiquement."
)


#: How an agent acts without logging in, in two lines at the end of every mail to agents.
REPLY_COMMANDS = (
    "Pour agir sans vous connecter, répondez à ce courriel en commençant par : reçu, accepter, "
    "refuser <motif>, compléter <motif> ou clore.",
    "Le reste de votre réponse est transmis à l'usager ; sans commande, votre réponse lui est "
    "transmise comme message.",
)


def letter(*paragraphs: str) -> str:
    """A mail's body: the greeting, then each paragraph, a blank line between them."""
    return "\n\n".join(("Bonjour,", *paragraphs))


def _sign(dossier: Dossier) -> str:
    return SIGNATURE.format(commune=f"Mairie de {dossier.commune.name}")


def _filed_at(dossier: Dossier) -> str:
    return paris_time(dossier.submitted_at)


def acknowledgement(dossier: Dossier, demarche: Demarche, follow_url: str) -> tuple[str, str]:
    subject = f"Votre demande {dossier.reference} a bien été enregistrée"
    body = (
        f"Bonjour,\n\n"
        f"Votre demande « {demarche.title} » a bien été enregistrée le {_filed_at(dossier)} "
        f"et transmise à la mairie de {dossier.commune.name}.\n\n"
        f"Référence de votre dossier : {dossier.reference}\n"
        f"Rappelez cette référence dans vos échanges avec la mairie.\n\n"
        f"Vous pouvez suivre l'avancement de votre démarche dans votre tableau de bord de suivi :\n"
        f"{follow_url}\n\n"
    )
    if demarche.issues_attestation:
        body += (
            "Votre attestation de recensement sera déposée dans votre espace confidentiel : "
            "pensez à l'activer en confirmant votre adresse électronique.\n\n"
        )
    return subject, body + _sign(dossier)


def agent_notification(dossier: Dossier, demarche: Demarche, dossier_url: str,
                       attachments: list[AttachmentInfo], *,
                       completion: str | None = None) -> tuple[str, str]:
    """The national service's notice, with the dossier's facts and the validation report.

    ``completion``: the dossier comes back completed by the citizen, with this note (maybe
    empty): the mail says so, and is no second « Nouveau dossier ».
    """
    if completion is None:
        subject = f"Nouveau dossier {dossier.reference} — {demarche.id}"
        opening = ("Un usager a déposé un dossier destiné à votre service dans le cadre d'une "
                   "démarche en ligne. Le dossier complet n° "
                   f"{dossier.reference} est disponible à l'url suivante : {dossier_url}")
    else:
        subject = f"Dossier complété {dossier.reference} — {demarche.id}"
        opening = (f"L'usager a complété le dossier n° {dossier.reference} que votre service "
                   "lui avait demandé de compléter ; il a été vérifié à nouveau et vous est "
                   f"transmis. Il est disponible à l'url suivante : {dossier_url}")
    lines = [
        "Bonjour,",
        "",
        opening,
        "Pensez à vous munir de vos accès (identifiant / mot de passe) pour vous connecter.",
        "",
        f"Numéro de télédossier : {dossier.reference}",
        f"Identifiant de la démarche : {demarche.id}",
        f"Intitulé : {demarche.title}",
        f"Adresse courriel de l'usager : {dossier.citizen_email}",
        f"Date : {_filed_at(dossier)}",
    ]
    if dossier.national_number:
        lines.append(f"Numéro national : {dossier.national_number}")
    if completion is not None:
        lines.append("Précision de l'usager : " + (completion or "(aucune)"))
    report = dossier.report or {}
    for flag in report.get("flags", []):
        lines.append(f"À vérifier : {flag['message']}")
    if report.get("refusal_motive"):
        lines.append(f"Motif de refus préparé : {report['refusal_motive']}")
    if attachments:
        lines += ["", "Pièces jointes :"]
        lines += [f"- {a.filename} ({a.kind}, {size_label(a.size)})" for a in attachments]
    lines += ["", *REPLY_COMMANDS, "", "Cordialement,",
              "L'équipe « Suivi des démarches en ligne »"]
    return subject, "\n".join(lines)


def incomplete(dossier: Dossier, missing: list[str], follow_url: str) -> tuple[str, str]:
    subject = f"Votre dossier {dossier.reference} est à compléter"
    items = "\n".join(f"- {reason}" for reason in missing)
    body = (
        f"Bonjour,\n\nVotre dossier {dossier.reference} ne peut pas encore être instruit. "
        f"Il manque :\n{items}\n\n"
        f"Complétez-le depuis votre tableau de bord de suivi :\n{follow_url}\n\n"
    )
    return subject, body + _sign(dossier)


def status_change(dossier: Dossier, label: str, comment: str, follow_url: str) -> tuple[str, str]:
    subject = f"Votre dossier {dossier.reference} : {label}"
    body = f"Bonjour,\n\nÉtat actuel de votre dossier {dossier.reference} : {label}.\n\n"
    if comment:
        body += f"Commentaire de la mairie :\n{comment}\n\n"
    body += f"Tableau de bord de suivi : {follow_url}\n\n"
    return subject, body + _sign(dossier)


def closed(dossier: Dossier, comment: str, follow_url: str, *,
           registered: bool = False) -> tuple[str, str]:
    """The closing mail; ``registered``: an accepted ILE now entered in the register (REU)."""
    outcome = dossier.outcome_enum
    if registered:
        label = "inscription enregistrée sur la liste électorale, dossier clos"
    elif outcome is Outcome.ACCEPTED:
        label = "demande acceptée, dossier clos"
    elif outcome is Outcome.REFUSED:
        label = "demande refusée, dossier clos"
    else:
        label = "dossier clos"
    return status_change(dossier, label, comment, follow_url)


def documents_await(dossier: Dossier, deposited: list[str], space_url: str) -> tuple[str, str]:
    subject = f"Votre dossier {dossier.reference} : un document vous attend"
    body = (f"Bonjour,\n\nLa mairie a déposé pour votre dossier {dossier.reference} :\n\n"
            f"{deposit_lines(deposited)}")
    body += f"Retrouvez-le dans votre espace confidentiel :\n{space_url}\n\n"
    return subject, body + _sign(dossier)


def deposit_lines(deposited: list[str]) -> str:
    items = "\n".join(f"- {name}" for name in deposited)
    return (f"Document(s) déposé(s) dans votre espace confidentiel :\n{items}\n"
            "(visible dès que votre adresse électronique est confirmée)\n\n")


def sender_name(dossier: Dossier) -> str:
    """Who the citizen's mails come from: the mairie."""
    return f"Mairie de {dossier.commune.name}"
