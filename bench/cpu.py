"""CPU time of the processes a bench measures, read from /proc and grouped by kind.

Each group is a function naming its process ids at the moment of a reading, and whether the
children a process has reaped count (for the application's own processes: the PDF checker runs
in a child; not for PostgreSQL's postmaster, which reaps the backends of every database). One
that appears between two readings counts from zero, one that ends before the last reading is
lost (the benches keep their processes to the end). PostgreSQL counts the postmaster, its
helper processes and the backends of the bench's own database only; RabbitMQ its Erlang VM.
The machine is shared: RabbitMQ's VM also serves other virtual hosts, which the reading cannot
tell apart.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
PROC = Path("/proc")
#: "postgres: 15/main: <user> <database> <client> <state>" for a backend.
BACKEND = re.compile(r"^postgres: [^:]+: (\S+) (\S+) ")

PidsOf = Callable[[], Iterable[int]]
#: A group: how to find its processes, and whether their reaped children count.
Group = tuple[PidsOf, bool]


def _stat(pid: int) -> list[str] | None:
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name sits in parentheses and may hold spaces: split after it.
    return text[text.rindex(")") + 2:].split()


def _ticks(pid: int, *, reaped: bool) -> int:
    fields = _stat(pid)
    if fields is None:
        return 0
    # Fields 14–17 of stat (utime, stime, cutime, cstime), counted after pid and comm.
    own = int(fields[11]) + int(fields[12])
    return own + (int(fields[13]) + int(fields[14]) if reaped else 0)


def _cmdline(pid: int) -> str:
    try:
        return (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(
            errors="replace").strip()
    except OSError:
        return ""


def _all_pids() -> list[int]:
    return [int(entry.name) for entry in PROC.iterdir() if entry.name.isdigit()]


def descendants(pids: Iterable[int]) -> list[int]:
    """The processes and every process below them."""
    parents: dict[int, list[int]] = {}
    for pid in _all_pids():
        fields = _stat(pid)
        if fields is not None:
            parents.setdefault(int(fields[1]), []).append(pid)
    found, todo = [], list(pids)
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(parents.get(pid, []))
    return found


def postgres_pids(database: str) -> list[int]:
    """The postmaster, its helpers, and the backends connected to ``database``."""
    pids = []
    for pid in _all_pids():
        line = _cmdline(pid)
        if line.startswith("postgres: "):
            backend = BACKEND.match(line)
            if backend is None or backend.group(2) == database:
                pids.append(pid)
        elif "/bin/postgres " in line or line.endswith("/bin/postgres"):
            pids.append(pid)
    return pids


def rabbitmq_pids() -> list[int]:
    """The Erlang VM that runs RabbitMQ."""
    return [pid for pid in _all_pids()
            if "beam.smp" in _cmdline(pid) and "rabbit" in _cmdline(pid)]


class CpuMeter:
    """CPU milliseconds per group between ``start()`` and each ``read()``."""

    def __init__(self, groups: dict[str, Group]) -> None:
        self.groups = groups
        self.started: dict[str, dict[int, int]] = {}

    def _reading(self) -> dict[str, dict[int, int]]:
        return {name: {pid: _ticks(pid, reaped=reaped) for pid in set(pids())}
                for name, (pids, reaped) in self.groups.items()}

    def start(self) -> None:
        self.started = self._reading()

    def read(self) -> dict[str, float]:
        now = self._reading()
        return {name: round(sum(ticks - self.started[name].get(pid, 0)
                                for pid, ticks in pids.items()) * 1000 / TICKS, 1)
                for name, pids in now.items()}
