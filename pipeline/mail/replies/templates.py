"""The words of the mails that replies cause: messages relayed, confirmations and rejections."""

from __future__ import annotations

from datetime import datetime

from pipeline.domain.clock import PARIS
from pipeline.mail.replies.near_commands import Suggestion
from pipeline.mail.wording import REPLY_COMMANDS, SIGNATURE, deposit_lines
from pipeline.store.model import Dossier

TEAM = "L'équipe « Suivi des démarches en ligne »"
#: The command words as an agent types them.
COMMAND_WORDS = {"recu": "reçu", "accepter": "accepter", "refuser": "refuser",
                 "completer": "compléter", "clore": "clore"}


def _sign(dossier: Dossier) -> str:
    return SIGNATURE.format(commune=f"Mairie de {dossier.commune.name}")


def message_to_citizen(dossier: Dossier, text: str, deposited: list[str],
                       follow_url: str) -> tuple[str, str]:
    subject = f"Votre dossier {dossier.reference} : message de la mairie"
    body = f"Bonjour,\n\nLa mairie vous écrit au sujet de votre dossier {dossier.reference} :\n\n"
    if text:
        body += f"{text}\n\n"
    if deposited:
        body += deposit_lines(deposited)
    body += f"Vous pouvez lui répondre en répondant à ce courriel, ou depuis votre tableau de " \
            f"bord de suivi :\n{follow_url}\n\n"
    return subject, body + _sign(dossier)


def message_to_agents(dossier: Dossier, text: str, attachments: list[str],
                      dossier_url: str) -> tuple[str, str]:
    subject = f"Dossier {dossier.reference} : message de l'usager"
    lines = ["Bonjour,", "",
             f"L'usager ({dossier.citizen_email}) a écrit au sujet du dossier "
             f"n° {dossier.reference} :", "", text or "(message vide)", ""]
    if attachments:
        lines += ["Pièces jointes à son courriel (non reprises dans le dossier ; l'usager peut "
                  "les déposer depuis son tableau de bord de suivi) :",
                  *[f"- {name}" for name in attachments], ""]
    lines += [f"Le dossier : {dossier_url}", "", *REPLY_COMMANDS, "", "Cordialement,", TEAM]
    return subject, "\n".join(lines)


def reply_applied(dossier: Dossier, what: str, told: str, refused: list[str]) -> tuple[str, str]:
    """To the agent: their reply was applied."""
    subject = f"Dossier {dossier.reference} : {what}"
    lines = ["Bonjour,", "", f"Votre réponse a été prise en compte : {what}."]
    if told:
        lines += ["", "Transmis à l'usager :", told]
    if refused:
        lines += ["", "Pièces jointes non déposées :", *[f"- {item}" for item in refused]]
    lines += ["", *REPLY_COMMANDS, "", "Cordialement,", TEAM]
    return subject, "\n".join(lines)


def reply_rejected(reference: str | None, reason: str) -> tuple[str, str]:
    """To the legitimate sender: their reply changed nothing, and why."""
    about = f"le dossier {reference}" if reference else "votre réponse"
    subject = f"Réponse non prise en compte ({reference})" if reference else \
        "Réponse non prise en compte"
    body = (f"Bonjour,\n\nVotre réponse concernant {about} n'a pas été prise en compte : "
            f"{reason}.\n\nLe dossier n'a pas changé. Vous pouvez agir depuis le Gestionnaire de "
            f"suivi, ou répondre à nouveau au dernier courriel reçu pour ce dossier.\n\n"
            f"Cordialement,\n{TEAM}")
    return subject, body


def foreign_sender(dossier: Dossier, sender: str, why: str) -> tuple[str, str]:
    """To the token's owner: someone else answered with their reply address."""
    subject = f"Dossier {dossier.reference} : réponse refusée d'une autre adresse"
    body = (f"Bonjour,\n\nUne réponse au courriel du dossier {dossier.reference} est arrivée de "
            f"l'adresse {sender or '(inconnue)'}, qui n'est pas la vôtre ({why}). Elle a été "
            f"refusée : le dossier n'a pas changé et rien n'a été envoyé à cette adresse.\n\n"
            f"Si c'était vous, répondez depuis l'adresse qui a reçu la notification. Sinon, "
            f"signalez-le à l'administrateur de votre commune.\n\nCordialement,\n{TEAM}")
    return subject, body


def confirm_suggestion(dossier: Dossier, suggestion: Suggestion, understood: str,
                       expires: datetime, attachments: int = 0) -> tuple[str, str]:
    """To the agent: their reply looks like a command without being one; confirm it?"""
    word = COMMAND_WORDS[suggestion.command]
    subject = f"Dossier {dossier.reference} : vous vouliez dire « {word} » ?"
    told = "\n\n".join(part for part in (suggestion.argument, suggestion.comment) if part)
    lines = ["Bonjour,", "",
             f"Votre réponse au sujet du dossier {dossier.reference} commence par « {understood} »,"
             " qui n'est pas exactement une commande. Rien n'a été fait et rien n'a été envoyé à "
             "l'usager.", "",
             f"Vous vouliez dire « {word} » ?", "",
             f"- Répondez « oui » à ce courriel pour appliquer « {word} ».",
             "- Répondez « non » pour l'abandonner.",
             "- Ou répondez au courriel du dossier en commençant par la commande exacte."]
    if told:
        lines += ["", "Transmis alors à l'usager :", told]
    if attachments:
        lines += ["", f"Les pièces jointes de votre réponse ({attachments}) seront déposées avec "
                      "la commande."]
    lines += ["", f"Cette demande expire le {expires.astimezone(PARIS):%d/%m/%Y à %H:%M}.", "",
              "Cordialement,", TEAM]
    return subject, "\n".join(lines)


def suggestion_dropped(dossier: Dossier) -> tuple[str, str]:
    """To the agent: the command they were asked to confirm is dropped."""
    subject = f"Dossier {dossier.reference} : commande abandonnée"
    body = (f"Bonjour,\n\nLa commande proposée pour le dossier {dossier.reference} est "
            f"abandonnée : le dossier n'a pas changé et rien n'a été envoyé à l'usager.\n\n"
            f"{REPLY_COMMANDS[0]}\n\nCordialement,\n{TEAM}")
    return subject, body
