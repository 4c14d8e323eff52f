"""What the web needs of the process it runs in, and how a view finds it."""

from __future__ import annotations

from typing import Protocol

from flask import Flask

from pipeline.context import PipelineContext


class WebRuntime(Protocol):
    """The part of the composition root's Runtime the web reads (the edge never imports it)."""

    ctx: PipelineContext
    secret_key: str


def runtime_of(app: Flask) -> WebRuntime:
    """The runtime an application was built around."""
    return app.extensions["teledossier"]
