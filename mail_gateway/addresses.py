"""Moved to pipeline.replies.addresses (kept importable while the reply reader moves too)."""

from pipeline.replies.addresses import *  # noqa: F403
from pipeline.replies.addresses import (  # noqa: F401
    BOUNCE_PREFIX,
    REPLY_PREFIX,
    TOKEN_ALPHABET,
    TOKEN_LENGTH,
    _MAIL_ID,
    _TOKEN,
)
