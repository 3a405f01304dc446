"""The API's settings: skillmatch's one settings object, plus what only the service needs."""

from __future__ import annotations

from pydantic import Field

from skillmatch.config import Settings
from skillmatch.encoder import DEFAULT_ENCODER


class ApiSettings(Settings):
    """Read from the environment like :class:`skillmatch.config.Settings` (``SKILLMATCH_`` prefix).

    ``SKILLMATCH_ENCODER`` picks the sentence encoder the matcher loads, and
    ``SKILLMATCH_MAX_REQUEST_BYTES`` caps a request body (1 MB by default: a credential document
    is a few kilobytes, a batch of 64 outcome blocks far below that).
    """

    encoder: str = DEFAULT_ENCODER
    max_request_bytes: int = Field(default=1_000_000, ge=1)
