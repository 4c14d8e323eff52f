"""Run the PDF check (``pipeline.domain.pdf_cleaning``) in a child process bounded in time.

A hostile PDF is read by C++ code: a decompression bomb or a parser fault must not take the web
server or a worker down with it, and a reading that goes on too long must be stoppable, which a
thread is not. One child per process serves the checks one after another; it is started at the
first PDF (its start-up, about 0.1 s, is paid once, not per file) and replaced after a crash, a
time-out or ``CHECKS_PER_CHILD`` checks.
"""

from __future__ import annotations

import atexit
import os
import selectors
import struct
import subprocess
import sys
import threading
import time

#: A PDF not read and rewritten within this many seconds is refused.
READ_SECONDS = 20.0
#: The child's address space: a bomb that gets past qpdf's own limits stops here.
CHILD_MEMORY_BYTES = 1024 * 1024 * 1024
#: A fresh child after this many checks, so that nothing one file left behind lasts.
CHECKS_PER_CHILD = 200
TOO_LONG = f"le PDF n'a pas pu être lu en {READ_SECONDS:.0f} secondes"
UNREADABLE = ("le PDF n'a pas pu être lu en entier (flux compressés trop volumineux ou "
              "illisibles)")
CHILD_CODE = (
    "import resource, sys\n"
    "resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[1]), int(sys.argv[1])))\n"
    "from pipeline.domain.pdf_cleaning import main\n"
    "main()\n"
)


class PdfRefused(ValueError):
    """The PDF is not stored; the text says why, in French, for the sender."""


class PdfChecker:
    """One child process, used by one thread at a time."""

    def __init__(self, timeout: float = READ_SECONDS) -> None:
        self.timeout = timeout
        self._lock = threading.Lock()
        self._child: subprocess.Popen[bytes] | None = None
        self._checks = 0

    def clean(self, content: bytes) -> bytes:
        """The PDF as pdf_cleaning rewrites it; PdfRefused, saying why, when it is not taken."""
        with self._lock:
            child = self._ready()
            try:
                status, payload = _exchange(child, content, time.monotonic() + self.timeout)
            except TimeoutError as error:
                self._stop()
                raise PdfRefused(TOO_LONG) from error
            except (OSError, EOFError) as error:  # the child died on it: out of memory, say
                self._stop()
                raise PdfRefused(UNREADABLE) from error
            self._checks += 1
            if self._checks >= CHECKS_PER_CHILD:
                self._stop()
        if status != b"+":
            raise PdfRefused(payload.decode())
        return payload

    def stop(self) -> None:
        """End the child (it would end by itself with this process)."""
        with self._lock:
            self._stop()

    def forget(self) -> None:
        """In a process made by fork: the child, and the lock's state, are the parent's."""
        self._lock = threading.Lock()
        self._child = None

    def _ready(self) -> subprocess.Popen[bytes]:
        if self._child is None or self._child.poll() is not None:
            # -P: the working directory is not searched for modules.
            self._child = subprocess.Popen(
                [sys.executable, "-P", "-c", CHILD_CODE, str(CHILD_MEMORY_BYTES)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True)
            self._checks = 0
        return self._child

    def _stop(self) -> None:
        child, self._child = self._child, None
        if child is None:
            return
        child.kill()
        child.wait()
        for pipe in (child.stdin, child.stdout):
            if pipe is not None:
                pipe.close()


def _exchange(child: subprocess.Popen[bytes], content: bytes,
              deadline: float) -> tuple[bytes, bytes]:
    """Send one file, read the answer: a status byte and a framed payload."""
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write(struct.pack(">Q", len(content)) + content)
    child.stdin.flush()
    header = _read(child.stdout.fileno(), 9, deadline)
    (size,) = struct.unpack(">Q", header[1:])
    return header[:1], _read(child.stdout.fileno(), size, deadline)


def _read(fd: int, size: int, deadline: float) -> bytes:
    chunks: list[bytes] = []
    wanted = size
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while wanted:
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(left):
                raise TimeoutError
            chunk = os.read(fd, min(wanted, 1024 * 1024))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            wanted -= len(chunk)
    return b"".join(chunks)


#: The process's checker: every PDF that enters goes through it.
CHECKER = PdfChecker()
atexit.register(CHECKER.stop)
os.register_at_fork(after_in_child=CHECKER.forget)
