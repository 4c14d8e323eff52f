"""Queue depths and consumers from RabbitMQ, by passive declares (no management plugin needed)."""

from __future__ import annotations

from dataclasses import dataclass

import pika

from pipeline.flow import ROUTES
from workers.broker import with_amqp_defaults


@dataclass(frozen=True)
class QueueDepth:
    queue: str
    messages: int
    consumers: int
    delayed: int
    dead: int


def queue_depths(broker_url: str) -> list[QueueDepth]:
    """One line per stage queue: ready messages, consumers, delayed retries, dead letters."""
    connection = pika.BlockingConnection(pika.URLParameters(with_amqp_defaults(broker_url)))
    try:
        depths = []
        for route in ROUTES:
            counts = [_count(connection, name) for name in
                      (route.queue, f"{route.queue}.DQ", f"{route.queue}.XQ")]
            main, delayed, dead = counts
            depths.append(QueueDepth(route.queue, main[0], main[1], delayed[0], dead[0]))
        return depths
    finally:
        connection.close()


def _count(connection: pika.BlockingConnection, queue: str) -> tuple[int, int]:
    channel = connection.channel()
    try:
        frame = channel.queue_declare(queue, passive=True)
        return frame.method.message_count, frame.method.consumer_count
    except pika.exceptions.ChannelClosedByBroker:
        return 0, 0  # not declared yet: nothing was ever sent there
    finally:
        if channel.is_open:
            channel.close()
