"""The one place that builds the broker: RabbitMQ when a URL is set, in-process otherwise."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import dramatiq
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import Retries, ShutdownNotifications

from pipeline.context import PipelineContext
from workers.failures import RecordFailedWork
from workers.time_limit import StageTimeLimit

#: pika connection settings unless the URL says otherwise: fail fast so a broker outage never
#: holds a web request or a worker thread for long (the outbox keeps what could not be sent).
AMQP_DEFAULTS = {
    "heartbeat": "30",
    "connection_attempts": "1",
    "socket_timeout": "5",
    "blocked_connection_timeout": "30",
}


def build_broker(ctx: PipelineContext) -> dramatiq.Broker:
    # Dramatiq runs the "after" hooks in reverse order: RecordFailedWork goes first in the list
    # so that it runs after Retries has decided whether the message failed for good. Of the
    # default middleware, only what the pipeline uses: no callbacks, pipelines or age limits.
    # Each route's time limit is an option of its actor (workers.actors).
    middleware = [RecordFailedWork(ctx), StageTimeLimit(),
                  ShutdownNotifications(), Retries()]
    if ctx.settings.embedded_broker:
        return StubBroker(middleware=middleware)
    return RabbitmqBroker(url=with_amqp_defaults(ctx.settings.broker_url),
                          confirm_delivery=True, middleware=middleware)


def with_amqp_defaults(url: str) -> str:
    parts = urlsplit(url)
    query = dict(AMQP_DEFAULTS)
    query.update(parse_qsl(parts.query))
    return urlunsplit(parts._replace(query=urlencode(query)))
