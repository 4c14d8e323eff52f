"""Run pyHanko's blocking calls from anywhere: they start an event loop of their own.

``asyncio.run`` refuses to run where a loop is already running (a caller inside an asyncio
application, or a thread driven by Playwright's synchronous API); the work then goes to a thread
of its own, where no loop runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def outside_any_loop(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)  # the usual case: no loop here, run it directly
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()
