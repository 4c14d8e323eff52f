"""Errors every room may raise about work the pipeline carries."""

from __future__ import annotations


class PermanentError(Exception):
    """Work that will never succeed by trying again; it goes straight to the failed-work table."""
