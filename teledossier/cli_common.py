"""What the ``teledossier`` commands share: declaring one, the pipeline, waiting, Paris times."""

from __future__ import annotations

import argparse
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from pipeline.settings import Settings


def add_command(sub: Any, name: str, run: Callable[..., int | None],
                help: str) -> argparse.ArgumentParser:
    """A command whose help is also its description (``teledossier NAME --help``)."""
    parser: argparse.ArgumentParser = sub.add_parser(name, help=help, description=help)
    parser.set_defaults(run=run)
    return parser


def new_runtime(settings: Settings) -> Any:
    """The application assembled for ``settings``, nothing started."""
    # Imported when needed: the composition root loads the whole application.
    from teledossier.bootstrap import build_runtime

    return build_runtime(settings)


@contextmanager
def pipeline_context(settings: Settings) -> Iterator[Any]:
    """The pipeline context for a one-off command, released when it is done."""
    runtime = new_runtime(settings)
    try:
        yield runtime.ctx
    finally:
        runtime.stop()


def serve_until_signal(runtime: Any, *closing: Callable[[], object]) -> int:
    """Run until SIGINT or SIGTERM, then close what was started and stop the runtime."""
    try:
        _wait_for_signal()
    finally:
        for close in closing:
            close()
        runtime.stop()
    return 0


def _wait_for_signal() -> None:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    while not stop.wait(1):
        pass


def print_rows(rows: Sequence[Any], none: str, line: Callable[[Any], str],
               note: str = "") -> None:
    """Print one ``line`` per row, or ``none`` when there is no row; ``note`` after the rows."""
    if not rows:
        print(none)
        return
    for row in rows:
        print(line(row))
    if note:
        print(note)


def when(instant: Any) -> str:
    """An instant as the pages write it: Paris time, « 12/03/2026 10:30 »; the commands say the
    zone once, beside a sentence (``ZONE``) or above a list (``ZONE_NOTE``)."""
    from pipeline.domain.clock import paris_time

    return paris_time(instant)


#: The zone of every time the commands print, as the pages show it (never UTC).
ZONE = "heure de Paris"
ZONE_NOTE = "(heures de Paris)"
