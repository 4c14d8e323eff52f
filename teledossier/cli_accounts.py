"""``teledossier user …``: the accounts of admins, agents and operators."""

from __future__ import annotations

import argparse
from typing import Any

from pipeline.settings import Settings
from teledossier.cli_common import pipeline_context


def add_account_commands(sub: Any) -> None:
    user = sub.add_parser("user", help="comptes").add_subparsers(metavar="ACTION")
    ucreate = user.add_parser("create", help="créer un compte")
    ucreate.set_defaults(run=cmd_user_create)
    ucreate.add_argument("--role", required=True, choices=["admin", "agent", "operator"])
    ucreate.add_argument("--commune", help="code INSEE (admin et agent)")
    ucreate.add_argument("--email", required=True)
    udisable = user.add_parser("disable", help=(
        "désactiver un compte (ses sessions se ferment, ses adresses de réponse aux "
        "notifications cessent d'agir)"))
    udisable.set_defaults(run=cmd_user_disable)
    udisable.add_argument("--email", required=True)
    uenable = user.add_parser("enable", help="réactiver un compte désactivé")
    uenable.set_defaults(run=cmd_user_enable)
    uenable.add_argument("--email", required=True)
    uend = user.add_parser("end-sessions", help=(
        "fermer toutes les sessions ouvertes d'un compte (il devra se reconnecter)"))
    uend.set_defaults(run=cmd_user_end_sessions)
    uend.add_argument("--email", required=True)


def cmd_user_create(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline.commands.accounts import create_user

    with pipeline_context(settings) as ctx:
        user, password = create_user(ctx, email=args.email, role=args.role,
                                     commune_insee=args.commune)
    print(f"Compte {user.role} créé : {user.email}")
    print(f"Mot de passe : {password}")
    return 0


def cmd_user_disable(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline.commands.accounts import set_active

    with pipeline_context(settings) as ctx:
        set_active(ctx, args.email, active=False)
    print(f"Compte {args.email.strip().lower()} désactivé ; ses sessions sont fermées et ses "
          "adresses de réponse ne permettent plus d'agir.")
    return 0


def cmd_user_enable(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline.commands.accounts import set_active

    with pipeline_context(settings) as ctx:
        set_active(ctx, args.email, active=True)
    print(f"Compte {args.email.strip().lower()} réactivé.")
    return 0


def cmd_user_end_sessions(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline.commands.accounts import end_sessions

    with pipeline_context(settings) as ctx:
        end_sessions(ctx, args.email)
    print(f"Sessions du compte {args.email.strip().lower()} fermées : il devra se reconnecter.")
    return 0
