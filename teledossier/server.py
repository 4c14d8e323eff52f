"""Serve a WSGI application with waitress: in a background thread, or in the foreground."""

from __future__ import annotations

import logging
import threading
from typing import Any

import waitress
from waitress import wasyncore
from waitress.server import BaseWSGIServer

log = logging.getLogger(__name__)

#: Waitress refuses bodies past this many times the application's own limit, before reading
#: them: the application answers its JSON 413 below that, and nobody spools a gigabyte to disk.
BODY_LIMIT_MARGIN = 2
#: How long close() waits for requests in progress before giving up on them (seconds).
CLOSE_TIMEOUT_SECONDS = 10.0


class WebServer:
    """A waitress server on its own socket map; ``port`` is the one it really listens on."""

    def __init__(self, app: Any, host: str, port: int, threads: int) -> None:
        self.map: dict[int, Any] = {}
        self.server = waitress.create_server(app, map=self.map, host=host, port=port,
                                             threads=threads, **_body_limit(app))
        listeners = [s for s in self.map.values() if isinstance(s, BaseWSGIServer)]
        self.host = str(listeners[0].effective_host)
        self.port = int(listeners[0].effective_port)
        self._trigger = listeners[0].trigger
        self._thread: threading.Thread | None = None

    def serve_forever(self) -> None:
        """Answer requests until close() is called from another thread (or Ctrl+C)."""
        log.info("serveur web : http://%s:%s", self.host, self.port)
        self.server.run()

    def start(self) -> WebServer:
        self._thread = threading.Thread(target=self.serve_forever, name="web-server",
                                        daemon=True)
        self._thread.start()
        return self

    def close(self, timeout: float = CLOSE_TIMEOUT_SECONDS) -> None:
        """Stop listening, let requests in progress finish, and stop the threads."""
        if self._thread is not None and self._thread.is_alive():
            # Sockets belong to the loop's thread: close them there, between two polls.
            self._trigger.pull_trigger(self._close_sockets)
            self._thread.join(timeout)
        else:
            self._close_sockets()
        self.server.task_dispatcher.shutdown(timeout=timeout)

    def _close_sockets(self) -> None:
        wasyncore.close_all(self.map, ignore_all=True)


def _body_limit(app: Any) -> dict[str, int]:
    limit = getattr(app, "config", {}).get("MAX_CONTENT_LENGTH")
    return {"max_request_body_size": BODY_LIMIT_MARGIN * limit} if limit else {}


def serve(app: Any, host: str = "127.0.0.1", port: int = 8000, threads: int = 16) -> WebServer:
    """Bind a server for ``app`` (port 0 picks a free one) without starting to answer."""
    return WebServer(app, host, port, threads)


def start_server(app: Any, host: str = "127.0.0.1", port: int = 8000,
                 threads: int = 16) -> WebServer:
    """Serve ``app`` from a background thread; call ``close()`` on the result to stop."""
    return serve(app, host, port, threads).start()


def serve_forever(app: Any, host: str = "127.0.0.1", port: int = 8000,
                  threads: int = 16) -> None:
    """Serve ``app`` in this thread until interrupted."""
    server = serve(app, host, port, threads)
    try:
        server.serve_forever()
    finally:
        server.close()
