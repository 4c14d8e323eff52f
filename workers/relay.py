"""The outbox relay thread: publish what this process committed, and sweep what was left."""

from __future__ import annotations

import logging
import queue
import time
from typing import Any

import dramatiq

from pipeline.context import PipelineContext
from pipeline.store.db import OutboxEntry
from pipeline.store.outbox import Publish, forget, publish_committed, relay_once
from workers.background import BackgroundLoop

log = logging.getLogger(__name__)

#: How soon the relay looks again for rows no process published (crash, broker outage) after
#: a sweep that found some; each sweep that finds none doubles the wait, up to the second
#: figure, so an idle process does not query the outbox every two seconds.
SWEEP_EVERY_SECONDS = 2.0
SWEEP_AT_MOST_EVERY_SECONDS = 16.0
#: Published rows are deleted together, at most this long after their publication.
FORGET_EVERY_SECONDS = 0.2


def broker_publisher(broker: dramatiq.Broker) -> Publish:
    """Publish an outbox row as a Dramatiq message; the row id is the message id."""

    def publish(row: Any) -> None:
        broker.enqueue(dramatiq.Message(
            queue_name=row.queue, actor_name=row.actor, args=tuple(row.args), kwargs={},
            options={}, message_id=row.id))

    return publish


class Relay(BackgroundLoop):
    """Publishes outbox rows in a background thread, so callers never wait on the broker."""

    def __init__(self, ctx: PipelineContext, broker: dramatiq.Broker) -> None:
        super().__init__("outbox-relay")
        self.ctx = ctx
        self.publish = broker_publisher(broker)
        self.pending: queue.Queue[OutboxEntry | None] = queue.Queue()
        self.published: list[str] = []

    def notify(self, entries: list[OutboxEntry]) -> None:
        """Called after a commit with the outbox rows it wrote."""
        for entry in entries:
            self.pending.put(entry)

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        self.pending.put(None)  # wakes the loop, which may be waiting for the next sweep
        self.thread.join(timeout)

    def _run(self) -> None:
        sweep_every = SWEEP_EVERY_SECONDS
        next_sweep = time.monotonic()
        next_forget: float | None = None
        failures = 0
        while not self.stopping.is_set():
            # Asleep until a commit, the deletion of what was published, or the next sweep.
            wake = next_sweep if next_forget is None else min(next_sweep, next_forget)
            batch = self._take(timeout=max(0.0, wake - time.monotonic()))
            try:
                if batch:
                    self.published += publish_committed(self.publish, batch)
                    if next_forget is None:
                        next_forget = time.monotonic() + FORGET_EVERY_SECONDS
                now = time.monotonic()
                if next_forget is not None and now >= next_forget:
                    forget(self.ctx, self.published)
                    self.published, next_forget = [], None
                if now >= next_sweep:
                    swept = 0
                    while relay_once(self.ctx, self.publish):
                        swept += 1
                    sweep_every = (SWEEP_EVERY_SECONDS if swept
                                   else min(sweep_every * 2, SWEEP_AT_MOST_EVERY_SECONDS))
                    next_sweep = now + sweep_every
                failures = 0
            except Exception as error:
                failures += 1
                sweep_every, next_sweep = SWEEP_EVERY_SECONDS, time.monotonic()
                # What was not published stays in the outbox; the sweep sends it once it can.
                log.warning("outbox relay: %s (nouvel essai dans %ss)", error, min(failures, 10))
                self.stopping.wait(min(failures, 10))
        self._drain()

    def _drain(self) -> None:
        """At shutdown: publish what was committed just before, and forget what was sent."""
        try:
            self.published += publish_committed(self.publish, self._take(timeout=0))
            if self.published:
                forget(self.ctx, self.published)
        except Exception as error:
            log.warning("outbox relay at shutdown: %s (the sweep will send the rest)", error)

    def _take(self, timeout: float) -> list[OutboxEntry]:
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
        return [entry for entry in batch if entry is not None]
