"""The words of the mails about a citizen's account, in French: one function per purpose."""

from __future__ import annotations

from pipeline.mail.wording import letter

#: The name these mails come from: they concern the account, not one commune's dossier.
SENDER_NAME = "Télédossier — démarches en ligne"
FOOTER = ("Cordialement,\nL'équipe « Suivi des démarches en ligne »\n\n"
          "Ce message a été envoyé automatiquement : merci de ne pas y répondre.")
NOT_YOU = ("Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : "
           "rien ne sera fait sans vous.")


def verify_address(link: str, days: int) -> tuple[str, str]:
    """Sent at sign-up (and on request): the link that confirms the address."""
    return "Confirmez votre adresse électronique", _letter(
        "Pour activer votre compte et votre espace confidentiel, confirmez votre adresse "
        "électronique : ouvrez le lien ci-dessous, saisissez le mot de passe choisi à la "
        "création du compte et cliquez sur « Confirmer mon adresse ».",
        link,
        f"Ce lien est valable {days} jours et ne sert qu'une fois.",
        "Une fois l'adresse confirmée, vous pourrez déposer vos demandes (recensement citoyen, "
        "inscription sur les listes électorales), les suivre dans votre tableau de bord de suivi "
        "et retrouver dans votre espace confidentiel les documents que la mairie y dépose.",
    )


def password_reset(link: str, minutes: int) -> tuple[str, str]:
    """Sent on "Mot de passe perdu": the link to choose a new password."""
    return "Choisissez un nouveau mot de passe", _letter(
        "Une demande de nouveau mot de passe a été faite pour votre compte. Pour choisir votre "
        "nouveau mot de passe, ouvrez le lien ci-dessous :",
        link,
        f"Ce lien est valable {minutes} minutes et ne sert qu'une fois. Votre mot de passe "
        "actuel reste valable tant que vous n'en avez pas choisi un autre.",
    )


def account_exists(login_link: str, reset_link: str) -> tuple[str, str]:
    """Sent instead of a new account when someone signs up with an address that has one."""
    return "Vous avez déjà un compte", _letter(
        "Quelqu'un (vous, sans doute) a demandé à créer un compte avec cette adresse "
        "électronique. Un compte existe déjà pour elle : aucun nouveau compte n'a été créé.",
        f"Pour vous connecter :\n{login_link}",
        f"Si vous avez oublié votre mot de passe, choisissez-en un nouveau :\n{reset_link}",
    )


def _letter(*paragraphs: str) -> str:
    """Every one of these mails ends alike: ignore it if you did not ask, and who sent it."""
    return letter(*paragraphs, NOT_YOU, FOOTER)
