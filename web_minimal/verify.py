"""/verifier: the public page the attestation's QR code opens, saying whether it is genuine.

The check itself is the core's (``pipeline.documents.verification``): nothing about a dossier is
looked up, let alone shown, before the payload's signature checks out. Every failure answers the
very same page (404) whatever its cause.

Each check is logged in ``verification_checks`` with a keyed digest of the client's address,
never the address. A client gets at most ``CHECKS_PER_WINDOW`` checks in ``WINDOW_SECONDS``
(counted in memory, in each web process: an installation with several processes allows that
many per process); beyond, the check is refused with 429. The address is the one the process
sees: behind a reverse proxy that does not pass the client's own, all clients share one budget.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import threading
import time
from collections import deque
from datetime import date, datetime

from flask import Blueprint, Response, current_app, render_template, request
from flask.sansio.blueprints import BlueprintSetupState

from pipeline.context import PipelineContext
from pipeline.documents import QrFacts
from pipeline.documents.text import short_date
from pipeline.documents.verification import Check, check_payload, loggable_reference
from pipeline.domain.clock import PARIS
from pipeline.store.model import VerificationCheck
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
        _log(ctx, Check("refused", loggable_reference(reference)), client)
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


def client_digest(address: str, secret: str) -> str:
    """A short keyed digest of the client's address: the same client, never the address."""
    return hmac.new(secret.encode(), address.encode(), hashlib.sha256).hexdigest()[:16]


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


def _row(ctx: PipelineContext, check: Check, client: str) -> VerificationCheck:
    return VerificationCheck(at=ctx.clock.now(), reference=check.reference,
                             key_id=check.key_id[:16], outcome=check.outcome, client=client)


def _log(ctx: PipelineContext, check: Check, client: str) -> None:
    with ctx.db.transaction() as session:
        session.add(_row(ctx, check, client))


def _ctx() -> PipelineContext:
    return runtime_of(current_app).ctx
