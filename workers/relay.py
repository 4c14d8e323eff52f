"""The outbox relay thread: publish what this process committed, and sweep what was left."""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Any

import dramatiq
from sqlalchemy import Row

from pipeline.context import PipelineContext
from pipeline.outbox import Publish, publish_now, relay_once

log = logging.getLogger(__name__)

#: How often the relay looks for rows no process published (crash, broker outage).
SWEEP_EVERY_SECONDS = 2.0


def broker_publisher(broker: dramatiq.Broker) -> Publish:
    """Publish an outbox row as a Dramatiq message; the row id is the message id."""

    def publish(row: Row[Any]) -> None:
        broker.enqueue(dramatiq.Message(
            queue_name=row.queue, actor_name=row.actor, args=tuple(row.args), kwargs={},
            options={}, message_id=row.id))

    return publish


class Relay:
    """Publishes outbox rows in a background thread, so callers never wait on the broker."""

    def __init__(self, ctx: PipelineContext, broker: dramatiq.Broker, *, sweep: bool = True):
        self.ctx = ctx
        self.publish = broker_publisher(broker)
        self.sweep = sweep
        self.pending: queue.Queue[str] = queue.Queue()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="outbox-relay", daemon=True)

    def notify(self, ids: list[str]) -> None:
        """Called after a commit with the outbox rows it wrote."""
        for message_id in ids:
            self.pending.put(message_id)

    def start(self) -> None:
        self.thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        self.thread.join(timeout)

    def _run(self) -> None:
        next_sweep = time.monotonic()
        failures = 0
        while not self.stopping.is_set():
            batch = self._take(timeout=0.5)
            try:
                if batch:
                    publish_now(self.ctx, self.publish, batch)
                if self.sweep and time.monotonic() >= next_sweep:
                    while relay_once(self.ctx, self.publish, older_than_seconds=5.0):
                        pass
                    next_sweep = time.monotonic() + SWEEP_EVERY_SECONDS
                failures = 0
            except Exception as error:
                failures += 1
                # What was not published stays in the outbox; the sweep sends it once it can.
                log.warning("outbox relay: %s (nouvel essai dans %ss)", error, min(failures, 10))
                self.stopping.wait(min(failures, 10))
        # Last chance for what this process committed just before stopping.
        batch = self._take(timeout=0)
        if batch:
            try:
                publish_now(self.ctx, self.publish, batch)
            except Exception as error:
                log.warning("outbox relay at shutdown: %s", error)

    def _take(self, timeout: float) -> list[str]:
        try:
            first = self.pending.get(timeout=timeout) if timeout else self.pending.get_nowait()
        except queue.Empty:
            return []
        batch = [first]
        while len(batch) < 500:
            try:
                batch.append(self.pending.get_nowait())
            except queue.Empty:
                break
        return batch
