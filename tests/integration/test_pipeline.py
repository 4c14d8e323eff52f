"""The pipeline end to end: intake → validation → agents, agents' actions, and what survives faults.

Key flows run twice: in the embedded default (SQLite, in-process broker) and against the real
PostgreSQL and RabbitMQ. Mail goes through a real SMTP server (aiosmtpd) started by the test.
"""

from __future__ import annotations

import functools
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, TypeVar

import dramatiq
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import delete, func, select, update

import workers.actors
from mail_gateway.transport import SmtpTransport
from pipeline.commands.act import DossierNotFound, act_on_dossier, find_dossier_id
from pipeline.commands.communes import create_commune
from pipeline.commands.submit import Receipt, Submission, submit_dossier
from pipeline.context import PipelineContext, TemporaryMailError
from pipeline.documents import verify_attestation
from pipeline.documents.stored import find_document, trusted_communes
from pipeline.domain.attachments import IncomingAttachment
from pipeline.domain.clock import FixedClock
from pipeline.domain.demarches import RCO
from pipeline.domain.lifecycle import Action, IllegalTransition
from pipeline.errors import PermanentError
from pipeline.flow import ROUTES
from pipeline.mail.outbox import GIVE_UP_AFTER, send_mail
from pipeline.ops.failed_work import (
    MAX_FAILED_RUNS,
    list_failed,
    note_failed_run,
    record_failure,
    replay,
)
from pipeline.ops.reconciler import reconcile
from pipeline.stages.attestation import issue_attestation
from pipeline.stages.closure import close_dossier
from pipeline.stages.deposit import deposit_documents
from pipeline.stages.intake import acknowledge_submission
from pipeline.stages.notification import notify_agents
from pipeline.stages.validation import validate_dossier
from pipeline.store.model import (
    CitizenDocument,
    Dossier,
    DossierDocument,
    FailedWork,
    Mail,
    OutboxMessage,
)
from teledossier.bootstrap import Runtime
from tests.pdfs import ONE_PAGE

T = TypeVar("T")

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
#: A one-page PDF: what the attachment check takes as a scan.
PDF = ONE_PAGE
CITIZEN = "lea@example.org"
AGENTS = "agents@demoville.test"
AGENT = "instructeur@demoville.test"
#: Waiting on the worker: poll the database until this many seconds have passed.
DEADLINE = 30.0
HANDLERS: dict[str, Callable[[str, PipelineContext], None]] = {r.actor: r.handler for r in ROUTES}


# ---------------------------------------------------------------------------------------------
# Data and helpers
# ---------------------------------------------------------------------------------------------

def rco_data(national_number: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"Personne": {
        "NomFamille": "Dupont", "PrenomUsuel": "Léa", "DateNaissance": "20/10/2010",
        "Sexe": "2", "LieuNaissance": {"Code": "COMMUNE", "Nom": "Lyon"},
        "AdresseDomicile": {"CodePostal": "99999", "Localite": "Démoville", "CodeINSEE": "99999",
                            "NomVoie": "rue Haute"},
        "MethodeContact": [{"URI": CITIZEN, "CanalCode": "EMAIL"}],
    }}
    if national_number:
        data["Formalite"] = {"Identifiant": national_number}
    return data


def rco_submission(*, documents: tuple[str, ...] = ("justificatif_identite", "livret_famille"),
                   national_number: str | None = None) -> Submission:
    return Submission(
        demarche="RecensementCitoyen", data=rco_data(national_number),
        attachments=[IncomingAttachment(kind, f"{kind}.pdf", PDF) for kind in documents])


def add_commune(ctx: PipelineContext, insee: str = "99999", name: str = "Démoville",
                agents_email: str = AGENTS) -> int:
    return create_commune(ctx, insee=insee, name=name, agents_email=agents_email).id


def wait_until(condition: Callable[[], T], what: str, timeout: float = DEADLINE,
               calls: Calls | None = None) -> T:
    """Poll ``condition`` until it returns something true; fail after ``timeout`` seconds.

    With ``calls``, fail at once when a stage handler raised: the worker would only retry.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if calls is not None and calls.failures:
            actor, _, error = calls.failures[0]
            raise AssertionError(f"stage {actor} failed while waiting for {what}: {error!r}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


@dataclass(frozen=True)
class DossierView:
    status: str
    stage: str | None
    outcome: str | None
    stage_since: datetime | None
    stage_failed_at: datetime | None
    updated_at: datetime
    report: dict[str, Any] | None
    history: tuple[tuple[int, str, str, str, str], ...]


def view(ctx: PipelineContext, dossier_id: str) -> DossierView:
    with ctx.db.transaction() as session:
        d = session.get(Dossier, dossier_id)
        assert d is not None
        return DossierView(d.status, d.stage, d.outcome, d.stage_since, d.stage_failed_at,
                           d.updated_at, d.report,
                           tuple((h.seq, h.action, h.actor, h.channel, h.comment)
                                 for h in d.history))


def mails_of(ctx: PipelineContext, dossier_id: str) -> list[Mail]:
    with ctx.db.transaction() as session:
        return list(session.scalars(select(Mail).where(Mail.dossier_id == dossier_id)
                                    .order_by(Mail.created_at, Mail.purpose)))


def purposes(ctx: PipelineContext, dossier_id: str) -> list[str]:
    return sorted(m.purpose for m in mails_of(ctx, dossier_id))


def outbox(ctx: PipelineContext) -> list[tuple[str, str]]:
    with ctx.db.transaction() as session:
        return sorted((o.actor, str(o.args[0])) for o in session.scalars(select(OutboxMessage)))


def dossier_count(ctx: PipelineContext) -> int:
    with ctx.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(Dossier)) or 0


def status_is(ctx: PipelineContext, dossier_id: str, status: str, stage: str | None = None
              ) -> Callable[[], bool]:
    def check() -> bool:
        current = view(ctx, dossier_id)
        return current.status == status and current.stage == stage
    return check


def all_mails_sent(ctx: PipelineContext, dossier_id: str, count: int) -> Callable[[], bool]:
    def check() -> bool:
        mails = mails_of(ctx, dossier_id)
        return len(mails) == count and all(m.status == "sent" for m in mails)
    return check


def take_message(ctx: PipelineContext, actor: str, target_id: str) -> None:
    """Remove one queued message, as a worker that took it would."""
    with ctx.db.transaction() as session:
        removed = session.execute(delete(OutboxMessage).where(
            OutboxMessage.actor == actor, OutboxMessage.args[0].as_string() == target_id))
        assert removed.rowcount == 1


def run_outbox(ctx: PipelineContext) -> list[str]:
    """A synchronous relay and worker for tests without threads: run every queued message."""
    ran: list[str] = []
    for _ in range(200):
        with ctx.db.transaction() as session:
            row = session.scalars(select(OutboxMessage)
                                  .order_by(OutboxMessage.created_at).limit(1)).first()
            if row is None:
                return ran
            session.delete(row)
            actor, target = row.actor, str(row.args[0])
        HANDLERS[actor](target, ctx)
        ran.append(actor)
    raise AssertionError("the outbox never drained")


def broken_rules(*args: Any, **kwargs: Any) -> Any:
    """Stands in for a démarche's rules that can never run (a bug, corrupt data)."""
    raise PermanentError("règles de la démarche illisibles")


class Calls:
    """Stage handlers wrapped to record each run (and its failure) before the worker binds them."""

    def __init__(self) -> None:
        self.runs: list[tuple[str, str]] = []
        self.failures: list[tuple[str, str, BaseException]] = []

    def wrap(self, actor: str, handler: Callable[[str, PipelineContext], None]
             ) -> Callable[[str, PipelineContext], None]:
        @functools.wraps(handler)
        def run(target_id: str, ctx: PipelineContext) -> None:
            try:
                handler(target_id, ctx)
            except BaseException as error:
                self.failures.append((actor, target_id, error))
                raise
            self.runs.append((actor, target_id))
        return run

    def actors_for(self, target_id: str) -> list[str]:
        return [actor for actor, target in self.runs if target == target_id]


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Calls:
    recorder = Calls()
    routes = tuple(replace(r, handler=recorder.wrap(r.actor, r.handler)) for r in ROUTES)
    monkeypatch.setattr(workers.actors, "ROUTES", routes)
    return recorder


class MessageDone(dramatiq.Middleware):
    """Placed first, so its after-hook runs last: every other middleware is done with it."""

    def __init__(self) -> None:
        self.done: list[tuple[str, bool]] = []

    def after_process_message(self, broker: dramatiq.Broker, message: dramatiq.MessageProxy,
                              *, result: Any = None, exception: BaseException | None = None
                              ) -> None:
        self.done.append((message.actor_name, bool(message.failed)))


# ---------------------------------------------------------------------------------------------
# SMTP server
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Received:
    envelope_from: str
    recipients: list[str]
    message: EmailMessage


class RecordingHandler:
    """An aiosmtpd handler keeping what it accepts; ``answer`` says how DATA is answered."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.answer = "250 Message accepted for delivery"
        self.rcpt_answer = "250 OK"
        self.lock = threading.Lock()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if not self.rcpt_answer.startswith("250"):
            return self.rcpt_answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if not self.answer.startswith("250"):
            return self.answer
        with self.lock:
            message = message_from_bytes(envelope.content, _class=EmailMessage,
                                         policy=policy.default)
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return self.answer

    def message_ids(self) -> list[str]:
        with self.lock:
            return [r.message["Message-ID"] for r in self.received]


@dataclass
class SmtpSink:
    handler: RecordingHandler
    url: str

    def transport(self) -> SmtpTransport:
        return SmtpTransport(self.url)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    handler = RecordingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpSink(handler, f"smtp://127.0.0.1:{port}")
    finally:
        controller.stop()


# ---------------------------------------------------------------------------------------------
# Runtimes: SQLite + in-process broker, and PostgreSQL + RabbitMQ
# ---------------------------------------------------------------------------------------------

@pytest.fixture(params=[
    "sqlite",
    pytest.param("postgres-rabbitmq", marks=[pytest.mark.postgres, pytest.mark.rabbitmq]),
])
def backend(request: pytest.FixtureRequest) -> dict[str, str]:
    if request.param == "sqlite":
        return {"database_url": request.getfixturevalue("sqlite_url")}
    return {"database_url": request.getfixturevalue("pg_url"),
            "broker_url": request.getfixturevalue("amqp_url")}


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def make_runtime(backend: dict[str, str], runtime_factory: Callable[..., Runtime],
                 clock: FixedClock) -> Callable[..., Runtime]:
    """Build a runtime on this test's backend (set up before it, so torn down after it)."""

    def build(**kwargs: Any) -> Runtime:
        settings: dict[str, Any] = {"worker_threads": 4, **backend, **kwargs}
        url = settings.pop("database_url")
        return runtime_factory(url, clock=clock, **settings)

    return build


@pytest.fixture
def sqlite_runtime(sqlite_url: str, runtime_factory: Callable[..., Runtime], clock: FixedClock,
                   smtp: SmtpSink) -> Runtime:
    """An embedded runtime, not started, sending mail to the test's SMTP server."""
    return runtime_factory(sqlite_url, clock=clock, mail_transport=smtp.transport())


def start(runtime: Runtime) -> None:
    runtime.start_relay()
    runtime.start_worker()


def to_transmitted(ctx: PipelineContext, commune_id: int, **kwargs: Any) -> Receipt:
    """Submit and run the pipeline synchronously until the agents are notified."""
    receipt = submit_dossier(ctx, commune_id, rco_submission(**kwargs))
    run_outbox(ctx)
    assert view(ctx, receipt.dossier_id).status == "transmitted"
    return receipt


# ---------------------------------------------------------------------------------------------
# The happy path through the workers
# ---------------------------------------------------------------------------------------------

def test_submitted_dossier_reaches_transmitted_with_one_acknowledgement_and_one_notification(
    make_runtime: Callable[..., Runtime], smtp: SmtpSink, calls: Calls
) -> None:
    runtime = make_runtime(mail_transport=smtp.transport())
    ctx = runtime.ctx
    commune_id = add_commune(ctx)
    start(runtime)

    receipt = submit_dossier(ctx, commune_id, rco_submission())

    assert receipt.created
    wait_until(status_is(ctx, receipt.dossier_id, "transmitted"), "transmitted", calls=calls)
    wait_until(all_mails_sent(ctx, receipt.dossier_id, 2), "both mails sent", calls=calls)
    mails = mails_of(ctx, receipt.dossier_id)
    assert sorted((m.purpose, m.recipient) for m in mails) == [
        ("acknowledgement", CITIZEN), ("agent_notification", AGENTS)]
    assert all(receipt.reference in m.subject for m in mails)
    assert all(m.transport == "smtp" and m.attempts == 1 for m in mails)
    # One SMTP delivery per row, carrying the row's Message-ID.
    assert sorted(smtp.handler.message_ids()) == sorted(m.message_id for m in mails)
    dossier = view(ctx, receipt.dossier_id)
    assert [h[1] for h in dossier.history] == ["submit", "validated"]
    assert dossier.report is not None and dossier.report["missing"] == []
    assert calls.actors_for(receipt.dossier_id) == ["intake", "validation", "notification"]
    wait_until(lambda: not outbox(ctx), "an empty outbox")


def test_accepted_rco_goes_through_attestation_and_deposit_to_closed_with_one_closing_mail(
    make_runtime: Callable[..., Runtime], calls: Calls
) -> None:
    runtime = make_runtime()
    ctx = runtime.ctx
    commune_id = add_commune(ctx)
    start(runtime)
    receipt = submit_dossier(ctx, commune_id, rco_submission())
    wait_until(status_is(ctx, receipt.dossier_id, "transmitted"), "transmitted", calls=calls)

    act_on_dossier(ctx, commune_id, receipt.reference, Action.ACCEPTER, actor=AGENT,
                   channel="email", comment="Bienvenue à la JDC.")

    wait_until(status_is(ctx, receipt.dossier_id, "closed"), "closed", calls=calls)
    dossier = view(ctx, receipt.dossier_id)
    assert dossier.outcome == "accepted"
    assert [h[1] for h in dossier.history] == ["submit", "validated", "accepter", "close"]
    assert dossier.history[2][2:] == (AGENT, "email", "Bienvenue à la JDC.")
    assert calls.actors_for(receipt.dossier_id) == [
        "intake", "validation", "notification", "attestation", "deposit", "closure"]
    wait_until(all_mails_sent(ctx, receipt.dossier_id, 4), "four mails sent", calls=calls)
    assert purposes(ctx, receipt.dossier_id) == ["acknowledgement", "agent_notification",
                                                 "closed", "documents_await"]
    closing = next(m for m in mails_of(ctx, receipt.dossier_id) if m.purpose == "closed")
    assert closing.recipient == CITIZEN
    assert "Bienvenue à la JDC." in closing.body_text
    with ctx.db.transaction() as session:
        kinds = set(session.scalars(select(DossierDocument.kind).where(
            DossierDocument.dossier_id == receipt.dossier_id)))
        attestation = find_document(session, receipt.dossier_id, "attestation")
        assert attestation is not None
        pdf = ctx.blobs.get(session, attestation.sha256)
        verdict = verify_attestation(pdf, trusted_communes(session))
        deposited = session.scalars(select(CitizenDocument)).one()
    assert kinds == {"recepisse", "notice", "attestation"}
    assert verdict.genuine, verdict.reason
    assert (deposited.owner_email, deposited.kind, deposited.sha256) == (
        CITIZEN, "attestation", attestation.sha256)


# ---------------------------------------------------------------------------------------------
# Every handler is safe to run twice
# ---------------------------------------------------------------------------------------------

def run_twice(ctx: PipelineContext, clock: FixedClock, dossier_id: str,
              handler: Callable[[str, PipelineContext], None], expected_stage: str | None) -> None:
    """Run a stage handler twice; the second run must change nothing and queue nothing."""

    def state() -> tuple[DossierView, list[tuple[str, str, str]], list[tuple[str, str]]]:
        mails = sorted((m.cause, m.recipient, m.purpose) for m in mails_of(ctx, dossier_id))
        return view(ctx, dossier_id), mails, outbox(ctx)

    clock.instant += timedelta(seconds=10)
    handler(dossier_id, ctx)
    after_first = state()
    assert after_first[0].stage == expected_stage
    clock.instant += timedelta(seconds=10)  # a second run would stamp a new time
    handler(dossier_id, ctx)
    assert state() == after_first


def test_intake_validation_and_notification_run_twice_change_nothing_the_second_time(
    sqlite_runtime: Runtime, clock: FixedClock
) -> None:
    ctx = sqlite_runtime.ctx
    commune_id = add_commune(ctx)
    dossier_id = submit_dossier(ctx, commune_id, rco_submission()).dossier_id

    run_twice(ctx, clock, dossier_id, acknowledge_submission, "validation")
    run_twice(ctx, clock, dossier_id, validate_dossier, "notification")
    run_twice(ctx, clock, dossier_id, notify_agents, None)

    assert view(ctx, dossier_id).status == "transmitted"
    assert purposes(ctx, dossier_id) == ["acknowledgement", "agent_notification"]
    assert [actor for actor, _ in outbox(ctx)].count("send_mail") == 2


def test_attestation_and_deposit_run_twice_change_nothing_the_second_time(
    sqlite_runtime: Runtime, clock: FixedClock
) -> None:
    ctx = sqlite_runtime.ctx
    commune_id = add_commune(ctx)
    receipt = to_transmitted(ctx, commune_id)
    act_on_dossier(ctx, commune_id, receipt.reference, Action.ACCEPTER, actor=AGENT,
                   channel="web")
    assert view(ctx, receipt.dossier_id).stage == "attestation"
    assert outbox(ctx) == [("attestation", receipt.dossier_id)]

    run_twice(ctx, clock, receipt.dossier_id, issue_attestation, "deposit")
    run_twice(ctx, clock, receipt.dossier_id, deposit_documents, "closure")

    assert [actor for actor, _ in outbox(ctx)] == ["attestation", "closure", "deposit",
                                                   "send_mail"]
    with ctx.db.transaction() as session:
        first = find_document(session, receipt.dossier_id, "attestation")
        assert first is not None
        assert len(session.scalars(select(CitizenDocument)).all()) == 1


def test_a_replayed_attestation_stage_never_makes_a_second_attestation(
    sqlite_runtime: Runtime, clock: FixedClock
) -> None:
    ctx = sqlite_runtime.ctx
    commune_id = add_commune(ctx)
    receipt = to_transmitted(ctx, commune_id)
    act_on_dossier(ctx, commune_id, receipt.reference, Action.ACCEPTER, actor=AGENT,
                   channel="web")
    issue_attestation(receipt.dossier_id, ctx)
    with ctx.db.transaction() as session:
        first = find_document(session, receipt.dossier_id, "attestation")
        assert first is not None
        issued = (first.id, first.sha256)
        # An operator replays the stage; and, worse, the stored row is lost before a retry.
        session.execute(update(Dossier).where(Dossier.id == receipt.dossier_id)
                        .values(stage="attestation"))
    clock.instant += timedelta(days=3)
    issue_attestation(receipt.dossier_id, ctx)
    with ctx.db.transaction() as session:
        again = find_document(session, receipt.dossier_id, "attestation")
        assert again is not None and (again.id, again.sha256) == issued
        session.delete(again)
        session.execute(update(Dossier).where(Dossier.id == receipt.dossier_id)
                        .values(stage="attestation"))
    issue_attestation(receipt.dossier_id, ctx)
    with ctx.db.transaction() as session:
        redrawn = find_document(session, receipt.dossier_id, "attestation")
        assert redrawn is not None and redrawn.sha256 == issued[1]  # dated by the acceptance


def test_closure_run_twice_sends_one_closing_mail(sqlite_runtime: Runtime,
                                                  clock: FixedClock) -> None:
    ctx = sqlite_runtime.ctx
    commune_id = add_commune(ctx)
    receipt = to_transmitted(ctx, commune_id)
    act_on_dossier(ctx, commune_id, receipt.reference, Action.CLORE, actor=AGENT, channel="web")

    run_twice(ctx, clock, receipt.dossier_id, close_dossier, None)

    assert view(ctx, receipt.dossier_id).status == "closed"
    assert purposes(ctx, receipt.dossier_id) == ["acknowledgement", "agent_notification",
                                                 "closed"]


def test_validation_run_twice_sends_one_notification(sqlite_runtime: Runtime,
                                                     smtp: SmtpSink) -> None:
    ctx = sqlite_runtime.ctx
    commune_id = add_commune(ctx)
    receipt = submit_dossier(ctx, commune_id, rco_submission())
    acknowledge_submission(receipt.dossier_id, ctx)
    validate_dossier(receipt.dossier_id, ctx)
    validate_dossier(receipt.dossier_id, ctx)
    notify_agents(receipt.dossier_id, ctx)
    notify_agents(receipt.dossier_id, ctx)

    assert run_outbox(ctx).count("send_mail") == 2  # the acknowledgement and one notification
    assert purposes(ctx, receipt.dossier_id) == ["acknowledgement", "agent_notification"]
    assert len(smtp.handler.received) == 2


# ---------------------------------------------------------------------------------------------
# Incomplete dossiers, agents' actions, duplicates
# ---------------------------------------------------------------------------------------------

def test_rco_without_livret_de_famille_is_incomplete_and_the_citizen_told_why(
    sqlite_runtime: Runtime, smtp: SmtpSink
) -> None:
    ctx = sqlite_runtime.ctx
    commune_id = add_commune(ctx)
    receipt = submit_dossier(ctx, commune_id,
                             rco_submission(documents=("justificatif_identite",)))
    run_outbox(ctx)

    dossier = view(ctx, receipt.dossier_id)
    assert (dossier.status, dossier.stage) == ("incomplete", None)
    assert dossier.report is not None
    reasons = dossier.report["missing"]
    assert any("livret de famille" in reason for reason in reasons)
    assert dossier.history[-1][1:4] == ("found_incomplete", "system", "pipeline")
    assert "livret de famille" in dossier.history[-1][4]
    assert purposes(ctx, receipt.dossier_id) == ["acknowledgement", "incomplete"]
    told = next(m for m in mails_of(ctx, receipt.dossier_id) if m.purpose == "incomplete")
    assert told.recipient == CITIZEN and told.status == "sent"
    assert all(reason in told.body_text for reason in reasons)
    assert [r.recipients for r in smtp.handler.received] == [[CITIZEN], [CITIZEN]]


def test_recu_marks_the_dossier_received_and_mails_the_citizen(sqlite_runtime: Runtime) -> None:
    ctx = sqlite_runtime.ctx
    commune_id = add_commune(ctx)
    receipt = to_transmitted(ctx, commune_id)

    act_on_dossier(ctx, commune_id, receipt.reference, Action.RECU, actor=AGENT, channel="api")

    dossier = view(ctx, receipt.dossier_id)
    assert (dossier.status, dossier.stage, dossier.outcome) == ("received", None, None)
    assert dossier.history[-1][1:4] == ("recu", AGENT, "api")
    run_outbox(ctx)
    told = [m for m in mails_of(ctx, receipt.dossier_id) if m.purpose == "status_change"]
    assert [(m.recipient, m.status) for m in told] == [(CITIZEN, "sent")]
    assert "Dossier reçu par le service traitant" in told[0].body_text


def test_refuser_without_motive_is_illegal_and_changes_nothing(sqlite_runtime: Runtime) -> None:
    ctx = sqlite_runtime.ctx
    commune_id = add_commune(ctx)
    receipt = to_transmitted(ctx, commune_id)
    before = (view(ctx, receipt.dossier_id), purposes(ctx, receipt.dossier_id))

    for comment in ("", "   "):
        with pytest.raises(IllegalTransition, match="motif"):
            act_on_dossier(ctx, commune_id, receipt.reference, Action.REFUSER, actor=AGENT,
                           channel="api", comment=comment)

    assert (view(ctx, receipt.dossier_id), purposes(ctx, receipt.dossier_id)) == before
    assert outbox(ctx) == []


def test_refuser_with_motive_closes_refused_and_tells_the_citizen_the_motive(
    sqlite_runtime: Runtime,
) -> None:
    ctx = sqlite_runtime.ctx
    commune_id = add_commune(ctx)
    receipt = to_transmitted(ctx, commune_id)
    motive = "Vous n'habitez pas la commune."

    act_on_dossier(ctx, commune_id, receipt.reference, Action.REFUSER, actor=AGENT,
                   channel="web", comment=motive)
    assert run_outbox(ctx) == ["closure", "send_mail"]

    dossier = view(ctx, receipt.dossier_id)
    assert (dossier.status, dossier.outcome) == ("closed", "refused")
    closing = [m for m in mails_of(ctx, receipt.dossier_id) if m.purpose == "closed"]
    assert len(closing) == 1 and motive in closing[0].body_text


def test_actions_on_another_communes_dossier_are_not_found(sqlite_runtime: Runtime) -> None:
    ctx = sqlite_runtime.ctx
    commune_id = add_commune(ctx)
    other_id = add_commune(ctx, insee="99998", name="Autreville",
                           agents_email="agents@autreville.test")
    receipt = to_transmitted(ctx, commune_id)
    before = view(ctx, receipt.dossier_id)

    with pytest.raises(DossierNotFound):
        find_dossier_id(ctx, other_id, receipt.reference)
    for action in (Action.RECU, Action.ACCEPTER, Action.CLORE):
        with pytest.raises(DossierNotFound):
            act_on_dossier(ctx, other_id, receipt.reference, action, actor="agent@autreville.test",
                           channel="api", comment="motif")

    assert view(ctx, receipt.dossier_id) == before
    assert find_dossier_id(ctx, commune_id, receipt.reference) == receipt.dossier_id


def test_same_national_number_submitted_twice_gives_one_dossier(sqlite_runtime: Runtime) -> None:
    ctx = sqlite_runtime.ctx
    commune_id = add_commune(ctx)

    first = submit_dossier(ctx, commune_id, rco_submission(national_number="A-9-NKT2G5KB"))
    second = submit_dossier(ctx, commune_id, rco_submission(national_number="a-9-nkt2g5kb"))

    assert first.created and not second.created
    assert (second.dossier_id, second.reference) == (first.dossier_id, first.reference)
    assert dossier_count(ctx) == 1
    assert outbox(ctx) == [("intake", first.dossier_id)]
    with ctx.db.transaction() as session:
        stored = session.get(Dossier, first.dossier_id)
        assert stored is not None
        assert stored.national_number == "A-9-NKT2G5KB"
        assert stored.reference.startswith("TD-")


def test_same_national_number_in_another_commune_is_another_dossier(
    sqlite_runtime: Runtime,
) -> None:
    ctx = sqlite_runtime.ctx
    commune_id = add_commune(ctx)
    other_id = add_commune(ctx, insee="99998", name="Autreville",
                           agents_email="agents@autreville.test")

    first = submit_dossier(ctx, commune_id, rco_submission(national_number="A-9-NKT2G5KB"))
    second = submit_dossier(ctx, other_id, rco_submission(national_number="A-9-NKT2G5KB"))

    assert first.created and second.created
    assert first.reference != second.reference
    assert dossier_count(ctx) == 2


# ---------------------------------------------------------------------------------------------
# Faults: a lost message, work that fails for good
# ---------------------------------------------------------------------------------------------

def test_dossier_whose_message_was_lost_still_reaches_transmitted(
    make_runtime: Callable[..., Runtime], clock: FixedClock, calls: Calls
) -> None:
    runtime = make_runtime()
    ctx = runtime.ctx
    commune_id = add_commune(ctx)
    receipt = submit_dossier(ctx, commune_id, rco_submission())  # the relay is not running
    assert outbox(ctx) == [("intake", receipt.dossier_id)]
    with ctx.db.transaction() as session:  # the message is lost on its way through the broker
        session.execute(delete(OutboxMessage))

    assert reconcile(ctx).dossiers == 0  # not stuck yet
    clock.instant += timedelta(seconds=ctx.settings.stuck_after_seconds + 1)
    report = reconcile(ctx)
    assert report.dossiers == 1
    assert outbox(ctx) == [("intake", receipt.dossier_id)]
    assert reconcile(ctx).dossiers == 0  # nudged once per period, not on every pass

    start(runtime)
    wait_until(status_is(ctx, receipt.dossier_id, "transmitted"), "transmitted", calls=calls)
    wait_until(all_mails_sent(ctx, receipt.dossier_id, 2), "both mails sent", calls=calls)
    assert purposes(ctx, receipt.dossier_id) == ["acknowledgement", "agent_notification"]


def test_work_failing_for_good_is_recorded_with_its_reason(
    make_runtime: Callable[..., Runtime], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(RCO, "validate", broken_rules)
    runtime = make_runtime()
    ctx = runtime.ctx
    probe = MessageDone()
    runtime.broker.add_middleware(probe, before=type(runtime.broker.middleware[0]))
    commune_id = add_commune(ctx)
    start(runtime)

    receipt = submit_dossier(ctx, commune_id, rco_submission())

    wait_until(lambda: ("validation", True) in probe.done, "validation to fail")
    failed = list_failed(ctx)
    assert [(f.queue, f.dossier_id) for f in failed] == [("validation", receipt.dossier_id)]
    assert "règles de la démarche illisibles" in failed[0].reason
    assert view(ctx, receipt.dossier_id).stage_failed_at is not None


def test_failed_stage_is_not_resent_and_replay_brings_it_to_transmitted(
    make_runtime: Callable[..., Runtime], monkeypatch: pytest.MonkeyPatch, clock: FixedClock,
    calls: Calls
) -> None:
    runtime = make_runtime()
    ctx = runtime.ctx
    commune_id = add_commune(ctx)
    receipt = submit_dossier(ctx, commune_id, rco_submission())
    take_message(ctx, "intake", receipt.dossier_id)
    acknowledge_submission(receipt.dossier_id, ctx)
    take_message(ctx, "validation", receipt.dossier_id)  # a worker takes it, and it fails
    with monkeypatch.context() as patch:
        patch.setattr(RCO, "validate", broken_rules)
        with pytest.raises(PermanentError) as raised:
            validate_dossier(receipt.dossier_id, ctx)
    # What the worker's failure middleware records for a message that failed for good.
    failed_id = record_failure(ctx, queue="validation", actor="validation",
                               args=[receipt.dossier_id], message_id="lost-1",
                               reason=repr(raised.value), attempts=1)

    failed = list_failed(ctx)
    assert [(f.id, f.dossier_id) for f in failed] == [(failed_id, receipt.dossier_id)]
    assert "règles de la démarche illisibles" in failed[0].reason
    assert view(ctx, receipt.dossier_id).stage_failed_at == T0
    clock.instant += timedelta(seconds=ctx.settings.stuck_after_seconds * 10)
    assert reconcile(ctx).dossiers == 0
    assert ("validation", receipt.dossier_id) not in outbox(ctx)

    start(runtime)
    assert replay(ctx, failed_id)
    assert not replay(ctx, failed_id)  # replayed once only

    wait_until(status_is(ctx, receipt.dossier_id, "transmitted"), "transmitted", calls=calls)
    assert view(ctx, receipt.dossier_id).stage_failed_at is None
    assert list_failed(ctx) == []
    with ctx.db.transaction() as session:
        row = session.get(FailedWork, failed_id)
        assert row is not None and row.replayed_at == clock.instant
    wait_until(all_mails_sent(ctx, receipt.dossier_id, 2), "both mails sent", calls=calls)


def test_stage_failing_run_after_run_is_parked_once_and_no_longer_runs(
    make_runtime: Callable[..., Runtime], calls: Calls
) -> None:
    runtime = make_runtime()
    ctx = runtime.ctx
    commune_id = add_commune(ctx)
    receipt = submit_dossier(ctx, commune_id, rco_submission())
    acknowledge_submission(receipt.dossier_id, ctx)
    dossier_id = receipt.dossier_id
    # Failed runs count together whatever carried them (retries, re-sends, replays).
    for _ in range(MAX_FAILED_RUNS - 1):
        assert not note_failed_run(ctx, stage="validation", dossier_id=dossier_id, reason="x")
    assert list_failed(ctx) == []
    assert note_failed_run(ctx, stage="validation", dossier_id=dossier_id,
                           reason="TimeLimitExceeded")
    (parked,) = list_failed(ctx)
    assert parked.dossier_id == dossier_id and "TimeLimitExceeded" in parked.reason
    assert f"a échoué {MAX_FAILED_RUNS} fois" in parked.reason
    # A message still in flight finds the stage parked: it does nothing, and the broker's own
    # verdict on it adds no second line for the operators.
    validate_dossier(dossier_id, ctx)
    assert view(ctx, dossier_id).stage == "validation"
    assert record_failure(ctx, queue="validation", actor="validation", args=[dossier_id],
                          message_id="late-1", reason="late", attempts=9) is None
    assert [f.id for f in list_failed(ctx)] == [parked.id]
    # A count for another stage than the dossier's is ignored.
    assert not note_failed_run(ctx, stage="closure", dossier_id=dossier_id, reason="x")

    start(runtime)
    assert replay(ctx, parked.id)
    wait_until(status_is(ctx, dossier_id, "transmitted"), "transmitted", calls=calls)
    with ctx.db.transaction() as session:
        assert session.get(Dossier, dossier_id).stage_failures == 0


# ---------------------------------------------------------------------------------------------
# send_mail through a real SMTP server
# ---------------------------------------------------------------------------------------------

def acknowledgement_mail(ctx: PipelineContext) -> Mail:
    commune_id = add_commune(ctx)
    receipt = submit_dossier(ctx, commune_id, rco_submission())
    acknowledge_submission(receipt.dossier_id, ctx)
    (mail,) = mails_of(ctx, receipt.dossier_id)
    return mail


def reload(ctx: PipelineContext, mail_id: str) -> Mail:
    with ctx.db.transaction() as session:
        mail = session.get(Mail, mail_id)
        assert mail is not None
        return mail


def test_send_mail_delivers_one_message_with_the_rows_message_id(
    sqlite_runtime: Runtime, smtp: SmtpSink
) -> None:
    ctx = sqlite_runtime.ctx
    mail = acknowledgement_mail(ctx)

    send_mail(mail.id, ctx)

    (received,) = smtp.handler.received
    assert received.message["Message-ID"] == mail.message_id
    assert mail.message_id.endswith("@demoville.test>")
    assert received.message["Auto-Submitted"] == "auto-generated"
    assert received.message["To"] == CITIZEN
    assert received.message["Subject"] == mail.subject
    assert received.recipients == [CITIZEN]
    assert received.envelope_from == f"rebond+{mail.id}@demoville.test"
    sent = reload(ctx, mail.id)
    assert (sent.status, sent.transport, sent.attempts, sent.sent_at) == ("sent", "smtp", 1, T0)


def test_send_mail_called_twice_delivers_once(sqlite_runtime: Runtime, smtp: SmtpSink) -> None:
    ctx = sqlite_runtime.ctx
    mail = acknowledgement_mail(ctx)

    send_mail(mail.id, ctx)
    send_mail(mail.id, ctx)

    assert smtp.handler.message_ids() == [mail.message_id]
    assert reload(ctx, mail.id).attempts == 1


def test_temporary_refusal_keeps_the_mail_pending_then_it_goes_when_accepted(
    sqlite_runtime: Runtime, smtp: SmtpSink
) -> None:
    ctx = sqlite_runtime.ctx
    mail = acknowledgement_mail(ctx)
    smtp.handler.answer = "451 4.3.0 Mailbox temporarily unavailable"

    with pytest.raises(TemporaryMailError):  # the broker retries it, with backoff
        send_mail(mail.id, ctx)

    waiting = reload(ctx, mail.id)
    assert (waiting.status, waiting.attempts) == ("pending", 1)
    assert waiting.last_error is not None and "451" in waiting.last_error
    assert smtp.handler.received == []

    smtp.handler.answer = "250 OK"
    send_mail(mail.id, ctx)

    assert smtp.handler.message_ids() == [mail.message_id]
    sent = reload(ctx, mail.id)
    assert (sent.status, sent.attempts) == ("sent", 2)


def test_temporary_refusal_after_two_days_of_trying_marks_the_mail_failed(
    sqlite_runtime: Runtime, smtp: SmtpSink
) -> None:
    ctx = sqlite_runtime.ctx
    mail = acknowledgement_mail(ctx)
    with ctx.db.transaction() as session:
        session.execute(update(Mail).where(Mail.id == mail.id)
                        .values(attempts=40, created_at=T0 - GIVE_UP_AFTER))
    smtp.handler.answer = "421 4.7.0 Try again later"

    send_mail(mail.id, ctx)  # no exception: the broker must stop retrying

    failed = reload(ctx, mail.id)
    assert (failed.status, failed.attempts) == ("failed", 41)
    assert failed.last_error is not None and "421" in failed.last_error


@pytest.mark.parametrize("stage", ["DATA", "RCPT"])
def test_permanent_refusal_marks_the_mail_failed_with_the_reason(
    sqlite_runtime: Runtime, smtp: SmtpSink, stage: str
) -> None:
    ctx = sqlite_runtime.ctx
    mail = acknowledgement_mail(ctx)
    refusal = "550 5.1.1 No such user here"
    if stage == "DATA":
        smtp.handler.answer = refusal
    else:
        smtp.handler.rcpt_answer = refusal

    send_mail(mail.id, ctx)  # no exception: retrying would not help

    failed = reload(ctx, mail.id)
    assert failed.status == "failed"
    assert failed.last_error is not None and "550" in failed.last_error
    assert "No such user here" in failed.last_error
    assert smtp.handler.received == []
    send_mail(mail.id, ctx)
    assert reload(ctx, mail.id).attempts == 1


class CrashAfterAcceptance:
    """Hands the message to the server, then dies before send_mail can mark the row sent."""

    name = "smtp"

    def __init__(self, inner: SmtpTransport) -> None:
        self.inner = inner

    def send(self, sender: str, recipient: str, message: bytes,
             deadline: float | None = None) -> None:
        self.inner.send(sender, recipient, message, deadline)
        raise SystemExit("worker killed")


def test_abandoned_claim_is_taken_over_after_the_timeout_with_the_same_message_id(
    sqlite_runtime: Runtime, smtp: SmtpSink, clock: FixedClock
) -> None:
    ctx = sqlite_runtime.ctx
    mail = acknowledgement_mail(ctx)
    real = ctx.mail_transport
    assert isinstance(real, SmtpTransport)
    ctx.mail_transport = CrashAfterAcceptance(real)
    with pytest.raises(SystemExit):
        send_mail(mail.id, ctx)
    ctx.mail_transport = real
    assert reload(ctx, mail.id).status == "sending"
    assert len(smtp.handler.received) == 1

    send_mail(mail.id, ctx)  # another worker: the claim is fresh, hands off
    clock.instant += timedelta(seconds=ctx.settings.mail_claim_timeout_seconds - 1)
    assert reconcile(ctx).mails == 0
    send_mail(mail.id, ctx)
    assert len(smtp.handler.received) == 1

    clock.instant += timedelta(seconds=2)
    assert reconcile(ctx).mails == 1
    assert ("send_mail", mail.id) in outbox(ctx)
    send_mail(mail.id, ctx)

    assert smtp.handler.message_ids() == [mail.message_id, mail.message_id]
    sent = reload(ctx, mail.id)
    assert (sent.status, sent.attempts, sent.message_id) == ("sent", 2, mail.message_id)



def test_refused_ile_sends_the_refusal_notice_with_the_closing_mail(
    sqlite_runtime: Runtime, smtp: SmtpSink
) -> None:
    ctx = sqlite_runtime.ctx
    commune_id = add_commune(ctx, insee="59350", name="Lille")
    data = {"Personne": {
        "Civilite": "MME", "Sexe": "2", "NomFamille": "DURAND", "PrenomUsuel": "Camille",
        "DateNaissance": "02/05/1990", "Nationalite": "FRA",
        "LieuNaissance": [{"Code": "COMMUNE", "Nom": "Lyon"}],
        "AdresseDomicile": {"CodePostal": "59000", "Localite": "Lille", "CodeINSEE": "59350"},
        "MethodeContact": [{"URI": CITIZEN, "CanalCode": "EMAIL"}]},
        "Rattachement": {"Motif": "DOMICILE"}}
    receipt = submit_dossier(ctx, commune_id, Submission(
        demarche="InscriptionListesElectorales", data=data,
        attachments=[IncomingAttachment(kind, f"{kind}.pdf", PDF)
                     for kind in ("justificatif_identite", "justificatif_domicile")]))
    run_outbox(ctx)
    assert view(ctx, receipt.dossier_id).status == "transmitted"

    act_on_dossier(ctx, commune_id, receipt.reference, Action.REFUSER, actor=AGENT,
                   channel="web", comment="Vous n'habitez pas la commune.")
    run_outbox(ctx)

    closing = next(r for r in smtp.handler.received
                   if "refusée" in str(r.message["Subject"]))
    attached = [part for part in closing.message.iter_attachments()]
    assert [part.get_filename() for part in attached] == [
        f"refus-inscription-{receipt.reference}.pdf"]
    pdf = attached[0].get_content()
    assert pdf.startswith(b"%PDF")
    with ctx.db.transaction() as session:
        kinds = sorted(session.scalars(select(DossierDocument.kind).where(
            DossierDocument.dossier_id == receipt.dossier_id)))
        deposited = session.scalars(select(CitizenDocument.kind)).all()
    assert kinds == ["demande", "recepisse", "refus"]
    assert deposited == ["refus"]
    acknowledgement = next(r for r in smtp.handler.received
                           if "enregistrée" in str(r.message["Subject"]))
    assert [p.get_filename() for p in acknowledgement.message.iter_attachments()] == [
        f"recepisse-{receipt.reference}.pdf"]
