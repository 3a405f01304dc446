"""The API's settings: skillmatch's one settings object, plus what only the service needs."""

from __future__ import annotations

from pydantic import Field

from skillmatch.config import Settings
from skillmatch.encoder import DEFAULT_ENCODER
from skillmatch.matching.remote import MatcherAddress
from skillmatch.outcomes import MAX_TEXT_CHARS


class ApiSettings(Settings):
    """Read from the environment like :class:`skillmatch.config.Settings` (``SKILLMATCH_`` prefix).

    ``SKILLMATCH_ENCODER`` picks the sentence encoder the matcher loads, and
    ``SKILLMATCH_MAX_REQUEST_BYTES`` caps a request body (1 MB by default: a credential document
    is a few kilobytes, a batch of 64 outcome blocks far below that).

    A matching request's budget (``SKILLMATCH_MATCH_*``): matching time grows with the outcomes
    matched (about 30 ms of CPU each), so a request may carry at most ``match_max_texts`` texts of
    at most ``match_max_text_chars`` characters, ``match_max_chars`` characters and
    ``match_max_outcomes`` learning outcomes in all. A learning-outcome block is a few hundred
    characters and a vacancy a few thousand; the defaults bound a request to about 6 s of CPU.

    The costly routes (those that map text: matching, adding a credential to a passport, importing
    one into the catalogue, ranking candidates) allow each principal ``rate_limit_burst`` calls at
    once (enough to add a wallet of ten badges), refilled at ``rate_limit_per_minute`` a minute (0:
    no limit). Each worker process counts on its own, so ``--workers 4`` allows four times as many.

    Matching requests wait in one queue (of the worker, or of the matching process several workers
    share), which encodes one call while it scores the one before; those that wait meanwhile share
    the next call, up to 16 texts (``SKILLMATCH_MATCH_BATCH_WINDOW_MS`` > 0 also waits that long for more).
    """

    encoder: str = DEFAULT_ENCODER
    max_request_bytes: int = Field(default=1_000_000, ge=1)
    match_max_texts: int = Field(default=64, ge=1)
    # The matcher refuses longer texts itself (skillmatch.outcomes.check_text).
    match_max_text_chars: int = Field(default=4_000, ge=1, le=MAX_TEXT_CHARS)
    match_max_chars: int = Field(default=20_000, ge=1)
    match_max_outcomes: int = Field(default=200, ge=1)
    rate_limit_per_minute: float = Field(default=10, ge=0)
    rate_limit_burst: int = Field(default=10, ge=1)
    #: How long a matching call waits for more requests to share it (see
    #: :mod:`skillmatch.matching.queue`; those that wait meanwhile share it anyway). The answers
    #: are the same either way.
    match_batch_window_ms: float = Field(default=0, ge=0, le=1000)
    #: Set by ``skillmatch serve --workers N`` for its workers: the socket of the matching process
    #: that holds the one matcher they share, and the key (hex) that lets them in.
    matcher_socket: str | None = None
    matcher_authkey: str | None = None

    @property
    def matcher_address(self) -> MatcherAddress | None:
        if not self.matcher_socket or not self.matcher_authkey:
            return None
        return MatcherAddress(self.matcher_socket, bytes.fromhex(self.matcher_authkey))
