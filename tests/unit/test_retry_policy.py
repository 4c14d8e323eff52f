"""How often a stage's work is tried again: errors by the route's count, time-outs twice."""

from __future__ import annotations

from dramatiq.middleware.time_limit import TimeLimitExceeded

from pipeline.flow import ROUTES
from workers.actors import TIMEOUT_RETRIES, retry_policy


def tries(route, error: BaseException) -> int:  # type: ignore[no-untyped-def]
    should_retry = retry_policy(route)
    retries = 0
    while should_retry(retries, error):
        retries += 1
    return 1 + retries


def test_errors_are_retried_as_many_times_as_the_route_says() -> None:
    for route in ROUTES:
        assert tries(route, RuntimeError("base indisponible")) == 1 + route.max_retries


def test_a_run_cut_by_its_time_limit_is_tried_three_times_in_all() -> None:
    for route in ROUTES:
        assert tries(route, TimeLimitExceeded()) == 1 + TIMEOUT_RETRIES == 3
