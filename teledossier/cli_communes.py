"""``teledossier commune …`` and ``token …``: the communes, their settings and API tokens."""

from __future__ import annotations

import argparse
from typing import Any

from pipeline.settings import Settings
from teledossier.cli_common import ZONE, ZONE_NOTE, pipeline_context, print_rows, when


def add_commune_commands(sub: Any) -> Any:
    """Add ``commune`` and return its actions, for the commands other modules put under it."""
    commune = sub.add_parser("commune", help="gérer les communes").add_subparsers(metavar="ACTION")
    create = commune.add_parser("create", help="créer une commune")
    create.set_defaults(run=cmd_commune_create)
    create.add_argument("--insee", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--agents-email", required=True)
    create.add_argument("--alias", action="append", default=[],
                        help="ancien code INSEE rattaché à la commune (répétable)")
    cset = commune.add_parser("set", help="modifier les réglages d'une commune")
    cset.set_defaults(run=cmd_commune_set)
    cset.add_argument("--insee", required=True)
    cset.add_argument("--agents-email", help="boîte du service qui reçoit les notifications")
    cset.add_argument("--rco-proof-of-address", metavar="oui|non",
                      help="exiger un justificatif de domicile pour le recensement (RCO)")
    clist = commune.add_parser("list", help="lister les communes et leurs réglages")
    clist.set_defaults(run=cmd_commune_list)
    return commune


def add_token_commands(sub: Any) -> None:
    token = sub.add_parser("token", help="jetons d'API").add_subparsers(metavar="ACTION")
    tcreate = token.add_parser("create", help="créer un jeton (affiché seul sur la sortie)")
    tcreate.set_defaults(run=cmd_token_create)
    tcreate.add_argument("--commune", required=True, help="code INSEE")
    tcreate.add_argument("--scope", action="append", choices=["submit", "decide"])
    tcreate.add_argument("--label", default="")
    tlist = token.add_parser("list", help="lister les jetons d'une commune (jamais leur secret)")
    tlist.set_defaults(run=cmd_token_list)
    tlist.add_argument("--commune", required=True, help="code INSEE")
    trevoke = token.add_parser("revoke", help="révoquer un jeton (refusé aussitôt par l'API)")
    trevoke.set_defaults(run=cmd_token_revoke)
    trevoke.add_argument("id", metavar="ID", help="numéro du jeton (voir « token list »)")


# --- communes ---------------------------------------------------------------------------------


def cmd_commune_create(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline.commands.communes import create_commune

    with pipeline_context(settings) as ctx:
        commune = create_commune(ctx, insee=args.insee, name=args.name,
                                 agents_email=args.agents_email, aliases=tuple(args.alias))
    print(f"Commune {commune.insee} « {commune.name} » créée.")
    return 0


def cmd_commune_set(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline.commands.communes import update_commune

    proof = None
    if args.rco_proof_of_address is not None:
        proof = _yes_no("--rco-proof-of-address", args.rco_proof_of_address)
    with pipeline_context(settings) as ctx:
        commune = update_commune(ctx, args.insee, agents_email=args.agents_email,
                                 rco_requires_proof_of_address=proof)
    print(f"Commune {commune.insee} « {commune.name} » modifiée :")
    print(_commune_settings(commune))
    return 0


def cmd_commune_list(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline.commands.communes import list_communes

    with pipeline_context(settings) as ctx:
        communes = list_communes(ctx)
    print_rows(communes, "Aucune commune ; créez-en une avec « teledossier commune create ».",
               lambda commune: f"{commune.insee}  {commune.name}\n{_commune_settings(commune)}")
    return 0


def _commune_settings(commune: Any) -> str:
    proof = "oui" if commune.rco_requires_proof_of_address else "non"
    lines = [f"  boîte du service : {commune.agents_email}",
             f"  justificatif de domicile exigé (RCO) : {proof}"]
    if commune.aliases:
        lines.append(f"  anciens codes INSEE : {', '.join(commune.aliases)}")
    return "\n".join(lines)


def _yes_no(option: str, value: str) -> bool:
    answer = value.strip().lower()
    if answer not in ("oui", "non"):
        raise ValueError(f"{option} attend « oui » ou « non », pas « {value} »")
    return answer == "oui"


# --- API tokens -------------------------------------------------------------------------------


def cmd_token_create(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline.commands.communes import issue_token
    from pipeline.commands.tokens import SCOPES

    with pipeline_context(settings) as ctx:
        token = issue_token(ctx, args.commune, tuple(args.scope or SCOPES), args.label)
    print(token)
    return 0


def cmd_token_list(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline.commands.communes import commune_tokens

    with pipeline_context(settings) as ctx:
        tokens = commune_tokens(ctx, args.commune)
    if not tokens:
        print(f"Aucun jeton pour la commune {args.commune.strip().upper()}.")
        return 0
    print(f"{'ID':>6}  {'PORTÉES':<14}  {'CRÉÉ LE':<16}  {'RÉVOQUÉ LE':<16}  LIBELLÉ")
    for token in tokens:
        revoked = when(token.revoked_at) if token.revoked_at else "-"
        print(f"{token.id:>6}  {','.join(token.scopes):<14}  {when(token.created_at):<16}  "
              f"{revoked:<16}  {token.label}".rstrip())
    print(ZONE_NOTE)
    return 0


def cmd_token_revoke(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline.commands.communes import revoke_api_token

    raw = args.id.strip()
    if not raw.isdecimal() or int(raw) < 1:
        raise ValueError(f"numéro de jeton invalide : « {args.id} » (un nombre entier, "
                         "voir « teledossier token list --commune <INSEE> »)")
    with pipeline_context(settings) as ctx:
        token, revoked_now = revoke_api_token(ctx, int(raw))
    if revoked_now:
        print(f"Jeton {token.id} révoqué : l'API le refuse désormais.")
    else:
        print(f"Jeton {token.id} déjà révoqué le {when(token.revoked_at)} ({ZONE}).")
    return 0
