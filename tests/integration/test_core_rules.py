"""Rules of the core that span stages: failed mails, prepared motives, filing day, recipients."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pipeline.commands.accounts import create_user
from pipeline.commands.act import act_on_dossier
from pipeline.commands.submit import submit_dossier
from pipeline.domain.clock import FixedClock
from pipeline.domain.demarches.limits import FREE_TEXT_MAX_LENGTH
from pipeline.domain.lifecycle import Action, IllegalTransition
from pipeline.mail.outbox import send_mail
from pipeline.ops.failed_work import list_failed, replay
from pipeline.stages.intake import acknowledge_submission
from pipeline.stages.validation import validate_dossier
from teledossier.bootstrap import Runtime
from tests.integration.test_pipeline import (
    AGENTS,
    T0,
    SmtpSink,
    acknowledgement_mail,
    add_commune,
    mails_of,
    rco_submission,
    reload,
    run_outbox,
    sqlite_runtime,  # noqa: F401 - fixtures used by name
    to_transmitted,
    view,
)
from tests.integration.test_pipeline import clock as clock
from tests.integration.test_pipeline import smtp as smtp


def test_mail_refused_for_good_is_listed_with_failed_work_and_replay_sends_it(
        sqlite_runtime: Runtime, smtp: SmtpSink) -> None:  # noqa: F811
    ctx = sqlite_runtime.ctx
    mail = acknowledgement_mail(ctx)
    smtp.handler.answer = "550 5.7.1 Relaying denied"
    send_mail(mail.id, ctx)

    (failed,) = list_failed(ctx)
    assert (failed.queue, failed.args) == ("mail", [mail.id])
    assert "550" in failed.reason and "Relaying denied" in failed.reason

    smtp.handler.answer = "250 OK"
    assert replay(ctx, failed.id)
    run_outbox(ctx)
    assert reload(ctx, mail.id).status == "sent"
    assert [r.recipients for r in smtp.handler.received].count(["lea@example.org"]) == 1
    assert list_failed(ctx) == []


def _flagged_too_old(ctx, commune_id):
    submission = rco_submission()
    submission.data["Personne"]["DateNaissance"] = "01/01/1990"  # 36: outside the window
    receipt = submit_dossier(ctx, commune_id, submission)
    run_outbox(ctx)
    return receipt


def test_refuser_without_comment_applies_the_prepared_motive(
        sqlite_runtime: Runtime) -> None:  # noqa: F811
    ctx = sqlite_runtime.ctx
    commune_id = add_commune(ctx)
    receipt = _flagged_too_old(ctx, commune_id)
    motive = view(ctx, receipt.dossier_id)
    with ctx.db.transaction() as session:
        from pipeline.store.model import Dossier

        prepared = session.get(Dossier, receipt.dossier_id).report["refusal_motive"]
    assert prepared and motive.status == "transmitted"

    act_on_dossier(ctx, commune_id, receipt.reference, Action.REFUSER, actor="agent@x.fr",
                   channel="api")
    run_outbox(ctx)

    assert (view(ctx, receipt.dossier_id).status,
            view(ctx, receipt.dossier_id).outcome) == ("closed", "refused")
    closing = [m for m in mails_of(ctx, receipt.dossier_id) if m.purpose == "closed"]
    assert prepared in closing[0].body_text


def test_eligibility_is_judged_on_the_filing_day_not_the_day_validation_runs(
        sqlite_runtime: Runtime, clock: FixedClock) -> None:  # noqa: F811
    ctx = sqlite_runtime.ctx
    commune_id = add_commune(ctx)
    submission = rco_submission()
    # Turns 25 the day after filing: still in time (régularisation) on the filing day.
    filing_day = T0.date()
    birth = filing_day.replace(year=filing_day.year - 25) + timedelta(days=1)
    submission.data["Personne"]["DateNaissance"] = birth.strftime("%d/%m/%Y")
    receipt = submit_dossier(ctx, commune_id, submission)
    acknowledge_submission(receipt.dossier_id, ctx)
    clock.instant = T0 + timedelta(days=3)  # the worker was down for three days
    validate_dossier(receipt.dossier_id, ctx)

    with ctx.db.transaction() as session:
        from pipeline.store.model import Dossier

        report = session.get(Dossier, receipt.dossier_id).report
    codes = [flag["code"] for flag in report["flags"]]
    assert "trop_age" not in codes and "regularisation" in codes


def test_agents_who_asked_get_the_notification_too(sqlite_runtime: Runtime) -> None:  # noqa: F811
    ctx = sqlite_runtime.ctx
    commune_id = add_commune(ctx)
    keen, _ = create_user(ctx, email="keen@demoville.test", role="agent", commune_insee="99999")
    create_user(ctx, email="quiet@demoville.test", role="agent", commune_insee="99999")
    with ctx.db.transaction() as session:
        from pipeline.store.model import User

        session.get(User, keen.id).wants_notifications = True
    receipt = to_transmitted(ctx, commune_id)

    notified = sorted(m.recipient for m in mails_of(ctx, receipt.dossier_id)
                      if m.purpose == "agent_notification")
    assert notified == sorted([AGENTS, "keen@demoville.test"])


def test_an_agent_comment_over_the_limit_is_refused_whatever_the_channel(
        sqlite_runtime: Runtime) -> None:  # noqa: F811
    # The web and the API refuse it beside the field first; a reply by mail meets this refusal
    # and its sender is told why.
    ctx = sqlite_runtime.ctx
    commune_id = add_commune(ctx)
    receipt = to_transmitted(ctx, commune_id)
    motive = "x" * (FREE_TEXT_MAX_LENGTH + 1)

    with pytest.raises(IllegalTransition, match="commentaire dépasse"):
        act_on_dossier(ctx, commune_id, receipt.reference, Action.COMPLETER, actor=AGENTS,
                       channel="email", comment=motive)

    assert view(ctx, receipt.dossier_id).status == "transmitted"
