"""The words of the mails about a citizen's account, in French: one function per purpose."""

from __future__ import annotations

#: The name these mails come from: they concern the account, not one commune's dossier.
SENDER_NAME = "Télédossier — démarches en ligne"
FOOTER = ("Cordialement,\nL'équipe « Suivi des démarches en ligne »\n\n"
          "Ce message a été envoyé automatiquement : merci de ne pas y répondre.")
NOT_YOU = ("Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : "
           "rien ne sera fait sans vous.")


def verify_address(link: str, days: int) -> tuple[str, str]:
    """Sent at sign-up (and on request): the link that confirms the address."""
    subject = "Confirmez votre adresse électronique"
    body = (
        "Bonjour,\n\n"
        "Pour activer votre compte et votre espace confidentiel, confirmez votre adresse "
        "électronique : ouvrez le lien ci-dessous, saisissez le mot de passe choisi à la "
        "création du compte et cliquez sur « Confirmer mon adresse ».\n\n"
        f"{link}\n\n"
        f"Ce lien est valable {days} jours et ne sert qu'une fois.\n\n"
        "Une fois l'adresse confirmée, vous pourrez déposer vos demandes (recensement citoyen, "
        "inscription sur les listes électorales), les suivre dans votre tableau de bord de suivi "
        "et retrouver dans votre espace confidentiel les documents que la mairie y dépose.\n\n"
        f"{NOT_YOU}\n\n{FOOTER}"
    )
    return subject, body


def password_reset(link: str, minutes: int) -> tuple[str, str]:
    """Sent on "Mot de passe perdu": the link to choose a new password."""
    subject = "Choisissez un nouveau mot de passe"
    body = (
        "Bonjour,\n\n"
        "Une demande de nouveau mot de passe a été faite pour votre compte. Pour choisir votre "
        "nouveau mot de passe, ouvrez le lien ci-dessous :\n\n"
        f"{link}\n\n"
        f"Ce lien est valable {minutes} minutes et ne sert qu'une fois. Votre mot de passe "
        "actuel reste valable tant que vous n'en avez pas choisi un autre.\n\n"
        f"{NOT_YOU}\n\n{FOOTER}"
    )
    return subject, body


def account_exists(login_link: str, reset_link: str) -> tuple[str, str]:
    """Sent instead of a new account when someone signs up with an address that has one."""
    subject = "Vous avez déjà un compte"
    body = (
        "Bonjour,\n\n"
        "Quelqu'un (vous, sans doute) a demandé à créer un compte avec cette adresse "
        "électronique. Un compte existe déjà pour elle : aucun nouveau compte n'a été créé.\n\n"
        f"Pour vous connecter :\n{login_link}\n\n"
        f"Si vous avez oublié votre mot de passe, choisissez-en un nouveau :\n{reset_link}\n\n"
        f"{NOT_YOU}\n\n{FOOTER}"
    )
    return subject, body
