"""A loop in a daemon thread of its own, stopped by an event: the relay's and the reconciler's."""

from __future__ import annotations

import threading


class BackgroundLoop:
    """Runs ``_run`` in a daemon thread; ``_run`` returns once ``stopping`` is set."""

    def __init__(self, name: str) -> None:
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        self.thread.join(timeout)

    def _run(self) -> None:
        raise NotImplementedError
