"""Set up communes and their API tokens (the CLI's and the admin pages' one way to do it)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.commands.tokens import SCOPES, TokenInfo, create_token, list_tokens, revoke_token
from pipeline.context import PipelineContext
from pipeline.store.model import Commune, CommuneAlias

INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class CommuneError(ValueError):
    """The commune cannot be created or found as asked; the message says why, in French."""


@dataclass(frozen=True)
class CommuneInfo:
    """A commune's settings as operators see them."""

    id: int
    insee: str
    name: str
    agents_email: str
    rco_requires_proof_of_address: bool
    aliases: tuple[str, ...]


def normalize_insee(insee: str) -> str:
    """The INSEE code as stored (upper case, no spaces); CommuneError when malformed."""
    insee = insee.strip().upper()
    if not INSEE.match(insee):
        raise CommuneError(f"code INSEE invalide : « {insee} » (5 caractères, ex. 06088)")
    return insee


def _check_agents_email(agents_email: str) -> str:
    agents_email = agents_email.strip()
    if not EMAIL.match(agents_email):
        raise CommuneError(f"adresse de la boîte du service invalide : « {agents_email} »")
    return agents_email


def create_commune(ctx: PipelineContext, *, insee: str, name: str, agents_email: str,
                   aliases: tuple[str, ...] = ()) -> Commune:
    insee = normalize_insee(insee)
    if not name.strip():
        raise CommuneError("le nom de la commune est obligatoire")
    agents_email = _check_agents_email(agents_email)
    with ctx.db.transaction() as session:
        if session.scalar(select(Commune.id).where(Commune.insee == insee)) is not None:
            raise CommuneError(f"la commune {insee} existe déjà")
        commune = Commune(insee=insee, name=name.strip(), agents_email=agents_email,
                          created_at=ctx.clock.now())
        session.add(commune)
        session.flush()
        for alias in aliases:
            session.add(CommuneAlias(insee=alias, commune_id=commune.id))
    return commune


def find_commune(ctx: PipelineContext, insee: str) -> Commune:
    insee = normalize_insee(insee)
    with ctx.db.transaction() as session:
        commune = session.scalars(select(Commune).where(Commune.insee == insee)).one_or_none()
    if commune is None:
        raise CommuneError(f"aucune commune {insee} ; créez-la avec « teledossier commune create »")
    return commune


def issue_token(ctx: PipelineContext, insee: str, scopes: tuple[str, ...] = SCOPES,
                label: str = "") -> str:
    """Create an API token for a commune and return it (shown once)."""
    commune = find_commune(ctx, insee)
    with ctx.db.transaction() as session:
        return create_token(session, commune.id, scopes, ctx.clock.now(), label)


def update_commune(ctx: PipelineContext, insee: str, *, agents_email: str | None = None,
                   rco_requires_proof_of_address: bool | None = None) -> CommuneInfo:
    """Change a commune's settings; None leaves a setting as it is."""
    insee = normalize_insee(insee)
    if agents_email is None and rco_requires_proof_of_address is None:
        raise CommuneError("rien à modifier : donnez --agents-email ou --rco-proof-of-address")
    if agents_email is not None:
        agents_email = _check_agents_email(agents_email)
    with ctx.db.transaction() as session:
        commune = session.scalars(
            select(Commune).where(Commune.insee == insee).with_for_update()).one_or_none()
        if commune is None:
            raise CommuneError(f"aucune commune {insee} ; créez-la avec "
                               "« teledossier commune create »")
        if agents_email is not None:
            commune.agents_email = agents_email
        if rco_requires_proof_of_address is not None:
            commune.rco_requires_proof_of_address = rco_requires_proof_of_address
        session.flush()
        return _commune_info(commune, _aliases(session).get(commune.id, ()))


def list_communes(ctx: PipelineContext) -> list[CommuneInfo]:
    """Every commune of the installation, by INSEE code."""
    with ctx.db.transaction() as session:
        aliases = _aliases(session)
        communes = session.scalars(select(Commune).order_by(Commune.insee))
        return [_commune_info(c, aliases.get(c.id, ())) for c in communes]


def _aliases(session: Session) -> dict[int, tuple[str, ...]]:
    found: dict[int, list[str]] = {}
    for alias in session.scalars(select(CommuneAlias).order_by(CommuneAlias.insee)):
        found.setdefault(alias.commune_id, []).append(alias.insee)
    return {commune_id: tuple(codes) for commune_id, codes in found.items()}


def _commune_info(commune: Commune, aliases: tuple[str, ...]) -> CommuneInfo:
    return CommuneInfo(commune.id, commune.insee, commune.name, commune.agents_email,
                       bool(commune.rco_requires_proof_of_address), aliases)


def commune_tokens(ctx: PipelineContext, insee: str) -> list[TokenInfo]:
    """A commune's API tokens, live and revoked (never their secrets)."""
    commune = find_commune(ctx, insee)
    with ctx.db.transaction() as session:
        return list_tokens(session, commune.id)


class TokenNotFound(CommuneError):
    """No API token has this id."""


def revoke_api_token(ctx: PipelineContext, token_id: int) -> tuple[TokenInfo, bool]:
    """Revoke a token: (the token, False when it had already been revoked)."""
    with ctx.db.transaction() as session:
        done = revoke_token(session, token_id, ctx.clock.now())
    if done is None:
        raise TokenNotFound(f"aucun jeton n° {token_id} (voir « teledossier token list »)")
    return done
