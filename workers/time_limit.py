"""Enforce each route's time limit: a run that outlasts it is interrupted in its thread.

Dramatiq's ``TimeLimit`` starts its watcher on "process boot", an event only Dramatiq's own
command line emits; ``teledossier up`` and ``worker`` start their ``Worker`` themselves, so the
watcher never ran and no limit was enforced. Here one watcher per process starts with the first
worker (a test process builds many brokers; thread ids are unique among live threads).

The interruption is an exception raised in the worker thread the next time it runs Python
code: the transaction rolls back and releases its locks, and the retry policy of
``workers.actors`` decides what follows. A call blocked inside C (a socket read) is cut when it
returns: every network call has its own, shorter timeout.
"""

from __future__ import annotations

import threading
from typing import Any

import dramatiq
from dramatiq.middleware.time_limit import TimeLimit, _CtypesTimeoutManager

#: How often the watcher looks for runs past their deadline (milliseconds): limits are tens of
#: seconds, so a second's precision is enough, and an idle worker wakes for it once a second.
CHECK_EVERY_MS = 1000

_watcher: _CtypesTimeoutManager | None = None
_watcher_lock = threading.Lock()


def _shared_watcher() -> _CtypesTimeoutManager:
    global _watcher
    with _watcher_lock:
        if _watcher is None:
            _watcher = _CtypesTimeoutManager(CHECK_EVERY_MS)
            _watcher.name = "time-limit"
            _watcher.start()
        return _watcher


class StageTimeLimit(TimeLimit):
    """``TimeLimit`` whose watcher runs as soon as a worker starts, once per process."""

    def __init__(self) -> None:
        super().__init__(interval=CHECK_EVERY_MS)

    def after_process_boot(self, broker: dramatiq.Broker) -> None:
        """Nothing: the watcher starts with the first worker instead."""

    def after_worker_boot(self, broker: dramatiq.Broker, worker: Any) -> None:
        self.manager = _shared_watcher()
