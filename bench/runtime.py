"""What a bench needs of the process it measures; the CLI builds it and hands the builder in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from pipeline.context import PipelineContext
from pipeline.settings import Settings


class BenchRuntime(Protocol):
    """The part of the composition root's Runtime a bench drives (the benches never import it)."""

    ctx: PipelineContext

    def start_relay(self) -> None: ...

    def stop(self) -> None: ...


#: Builds a runtime from settings, as ``teledossier.bootstrap.build_runtime`` does.
RuntimeBuilder = Callable[[Settings], BenchRuntime]
