"""The flow as data: one route per queue, what follows each stage read from one table."""

from __future__ import annotations

import re

import pytest

import pipeline.flow
from pipeline.domain.lifecycle import (
    NEXT_STAGE,
    STARTED_BY,
    Action,
    Stage,
    first_stage,
)
from pipeline.domain.queues import QUEUES
from pipeline.flow import MAIL_ROUTES, ROUTES, STAGE_ROUTES


def test_every_queue_has_one_route_in_the_order_of_the_flow() -> None:
    assert tuple(route.queue for route in ROUTES) == QUEUES
    assert [route.stage for route in STAGE_ROUTES] == list(Stage)
    assert all(route.actor == route.queue for route in STAGE_ROUTES)


def test_each_stage_route_says_what_follows_from_the_table() -> None:
    assert {route.stage: route.next for route in STAGE_ROUTES} == NEXT_STAGE


def test_the_mail_side_is_no_stage_and_leads_nowhere() -> None:
    assert [route.queue for route in MAIL_ROUTES] == ["mail", "inbound"]
    assert all(route.stage is None and route.next is None for route in MAIL_ROUTES)


def test_the_flow_never_loops() -> None:
    for stage in Stage:
        seen = []
        current: Stage | None = stage
        while current is not None:
            assert current not in seen, "the flow loops"
            seen.append(current)
            current = NEXT_STAGE[current]


@pytest.mark.parametrize("issues_attestation", [True, False])
def test_a_demarche_without_attestation_skips_its_stages(issues_attestation: bool) -> None:
    started = first_stage(STARTED_BY[Action.ACCEPTER], issues_attestation=issues_attestation)
    assert started is (Stage.ATTESTATION if issues_attestation else Stage.CLOSURE)
    assert first_stage(Stage.CLOSURE, issues_attestation=False) is Stage.CLOSURE


def test_the_table_in_the_docstring_tells_the_truth() -> None:
    doc = pipeline.flow.__doc__ or ""
    for route in ROUTES:
        # The first line naming the queue and its handler, and where it leads.
        line = next(line for line in doc.splitlines()
                    if re.match(rf"\s*{route.queue}\s+{route.handler.__name__}\b", line))
        arrow = line.split("─▶")[1].strip() if "─▶" in line else ""
        if route.next is not None:
            assert arrow == route.next.value, line
        else:
            assert arrow == "" or arrow.startswith("("), line
