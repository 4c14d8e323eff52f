"""/verifier: the public page the attestation's QR code opens, saying whether it is genuine.

Nothing about a dossier is looked up, let alone shown, before the payload's signature checks out
against a key of ``commune_keys``: without an attestation in hand nobody learns whether a
reference exists, and every failure answers the very same page (404) whatever its cause.

Each check is logged in ``verification_checks`` with a keyed digest of the client's address,
never the address. A client gets at most ``CHECKS_PER_WINDOW`` checks in ``WINDOW_SECONDS``
(counted in memory, in each web process: an installation with several processes allows that
many per process); beyond, the check is refused with 429. The address is the one the process
sees: behind a reverse proxy that does not pass the client's own, all clients share one budget.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import io
import math
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import date, datetime

from flask import Blueprint, Response, current_app, render_template, request
from flask.sansio.blueprints import BlueprintSetupState
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.context import PipelineContext
from pipeline.documents import QrFacts, verify_qr_payload
from pipeline.documents.qr import BASE64URL, MAX_PAYLOAD_CHARS, payload_from_url
from pipeline.documents.stored import find_document
from pipeline.documents.text import short_date
from pipeline.domain.clock import PARIS
from pipeline.domain.references import normalize_reference
from pipeline.store.blobs import BlobStore
from pipeline.store.model import Commune, CommuneKey, Dossier, VerificationCheck
from web_minimal.runtime import runtime_of

bp = Blueprint("verify", __name__, url_prefix="/verifier")

#: Checks one client may make in a window; a citizen or an employer needs a handful.
CHECKS_PER_WINDOW = 30
#: The window, in seconds (10 minutes).
WINDOW_SECONDS = 600.0
#: Clients remembered at most; past it the idle ones are forgotten (bounded memory).
MAX_CLIENTS = 50_000
LIMITER = "teledossier.verify_limiter"
#: Nothing here may be cached, indexed, or leak its address (it carries the payload).
HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow",
           "Referrer-Policy": "no-referrer"}


@dataclass(frozen=True)
class Check:
    """What one check found: ``outcome`` as logged, and what the page may show."""

    outcome: str
    reference: str = ""
    key_id: str = ""
    facts: QrFacts | None = None
    commune_name: str = ""
    generated_certificate: bool = False
    revoked_at: datetime | None = None


class CheckLimiter:
    """At most ``limit`` checks per client in any ``window`` seconds, in this process."""

    def __init__(self, limit: int = CHECKS_PER_WINDOW, window: float = WINDOW_SECONDS) -> None:
        self.limit = limit
        self.window = window
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str, now: float | None = None) -> float:
        """Count a check and return 0, or return the seconds to wait when over the limit."""
        now = time.monotonic() if now is None else now
        with self._lock:
            if len(self._seen) >= MAX_CLIENTS and client not in self._seen:
                self._forget_idle(now)
            times = self._seen.setdefault(client, deque())
            while times and times[0] <= now - self.window:
                times.popleft()
            if len(times) >= self.limit:
                return max(times[0] + self.window - now, 1.0)
            times.append(now)
            return 0.0

    def _forget_idle(self, now: float) -> None:
        idle = [c for c, times in self._seen.items() if not times or times[-1] <= now - self.window]
        for client in idle:
            del self._seen[client]
        if len(self._seen) >= MAX_CLIENTS:
            # Flooded from that many addresses at once: forget everyone rather than grow.
            self._seen.clear()


@bp.record_once
def _make_limiter(state: BlueprintSetupState) -> None:
    # One per application: each app (each test's) counts its own clients.
    state.app.extensions[LIMITER] = CheckLimiter()


@bp.after_request
def _private(response: Response) -> Response:
    response.headers.update(HEADERS)
    return response


@bp.get("/")
def explain() -> str:
    """Say how to check an attestation: scan its code, or verify the PDF itself."""
    return render_template("verify/index.html")


@bp.get("/<reference>")
def verify(reference: str) -> tuple[str, int, dict[str, str]]:
    """Check the signed payload of an attestation's QR code and say what it vouches for."""
    ctx = _ctx()
    client = client_digest(request.remote_addr or "", current_app.config["SECRET_KEY"])
    wait = current_app.extensions[LIMITER].allow(client)
    if wait:
        _log(ctx, Check("refused", _loggable(reference)), client)
        return (render_template("verify/refused.html", minutes=max(1, round(wait / 60))), 429,
                {"Retry-After": str(math.ceil(wait))})
    payload = request.args.get("p", "").strip()
    with ctx.db.transaction() as session:
        check = check_payload(session, ctx.blobs, reference, payload)
        session.add(_row(ctx, check, client))
    if check.facts is None:
        # One page for every failure: it must not tell a forged code from an unknown dossier.
        return render_template("verify/not_verified.html"), 404, {}
    return render_template("verify/result.html", check=check, shown=_shown(check, check.facts),
                           revoked_on=_paris_day(check.revoked_at)), 200, {}


def check_payload(session: Session, blobs: BlobStore, reference: str, payload: str) -> Check:
    """Decide what a payload is worth; the dossier is read only once its signature holds."""
    asked = _loggable(reference)
    if not payload:
        return Check("unknown", asked)  # nothing to check: an address typed by hand
    key_id = payload_key_id(payload)
    if key_id is None:
        return Check("forged", asked)
    found = session.execute(select(CommuneKey, Commune).join(
        Commune, Commune.id == CommuneKey.commune_id).where(CommuneKey.key_id == key_id)).first()
    if found is None:
        return Check("unknown", asked, key_id)
    key, commune = found
    facts = verify_qr_payload(payload, key.qr_public_key_pem)
    if isinstance(facts, str) or normalize_reference(reference) != facts.reference:
        return Check("forged", asked, key_id)
    if facts.commune_insee != commune.insee:
        return Check("unknown", asked, key_id)
    dossier_id = session.scalar(select(Dossier.id).where(
        Dossier.reference == facts.reference, Dossier.commune_id == commune.id))
    attestation = find_document(session, dossier_id, "attestation") if dossier_id else None
    if attestation is None or _issued_payload(blobs.get(session, attestation.sha256)) != payload:
        return Check("unknown", facts.reference, key_id)
    return Check("revoked" if attestation.revoked_at else "genuine", facts.reference, key_id,
                 facts, commune.name, key.generated, attestation.revoked_at)


def payload_key_id(payload: str) -> str | None:
    """The key id a payload names (bytes 1–4, see ``documents.qr``), before any check."""
    if not payload or len(payload) > MAX_PAYLOAD_CHARS or not BASE64URL.match(payload):
        return None
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    except (binascii.Error, ValueError):
        return None
    return raw[1:5].hex() if len(raw) > 5 else None


def client_digest(address: str, secret: str) -> str:
    """A short keyed digest of the client's address: the same client, never the address."""
    return hmac.new(secret.encode(), address.encode(), hashlib.sha256).hexdigest()[:16]


def _issued_payload(pdf: bytes) -> str | None:
    """The payload the commune put in the stored attestation (its keywords hold the QR URL)."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    try:
        keywords = str(reader.trailer["/Info"]["/Keywords"])
    except (KeyError, TypeError):
        return None
    return payload_from_url(keywords)


def _shown(check: Check, facts: QrFacts) -> list[tuple[str, str]]:
    """The minimal data to compare with the paper, labelled as the attestation prints them."""
    return [
        ("Nom de famille", facts.family_name),
        ("Prénom(s)", facts.first_names),
        ("Né(e) le", short_date(facts.birth_date)),
        ("Commune", f"{check.commune_name} ({facts.commune_insee})"),
        ("Délivrée le", short_date(facts.issued_on)),
        ("Référence", facts.reference),
    ]


def _paris_day(instant: datetime | None) -> str:
    day: date | None = instant.astimezone(PARIS).date() if instant else None
    return short_date(day)


def _loggable(reference: str) -> str:
    return (normalize_reference(reference) or reference.strip())[:20]


def _row(ctx: PipelineContext, check: Check, client: str) -> VerificationCheck:
    return VerificationCheck(at=ctx.clock.now(), reference=check.reference,
                             key_id=check.key_id[:16], outcome=check.outcome, client=client)


def _log(ctx: PipelineContext, check: Check, client: str) -> None:
    with ctx.db.transaction() as session:
        session.add(_row(ctx, check, client))


def _ctx() -> PipelineContext:
    return runtime_of(current_app).ctx
