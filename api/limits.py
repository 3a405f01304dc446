"""What one request may carry and how often: the body's size, text a database can store, a
matching request's budget, and each principal's rate on the routes that map text.

- A body over the configured size is refused with 413, whether its ``Content-Length`` says so up
  front or a chunked body only turns out too large while it streams in.
- A string anywhere in a JSON body that is not valid Unicode (a lone surrogate such as
  ``"\\ud800"``, which JSON allows) or holds a NUL character (which PostgreSQL's text refuses) is
  refused with 422 naming the field, before any route sees it.
- A matching request over its budget is refused before any matching: more texts or a longer text
  than allowed with 422 naming the field, more characters or outcomes in all with 413.
- A principal calling the costly routes faster than allowed gets 429 with ``Retry-After``.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import problem
from skillmatch.outcomes import split_outcomes


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than the limit of {limit:,} bytes")


class BodySizeLimit:
    """ASGI middleware. A declared size over ``max_bytes`` is answered before the body is read; a
    streamed body is counted as it arrives and reading stops at the limit (the route that was
    reading it answers 413 through the app's error handlers)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            if not declared.isdigit():
                await problem(400, f"Content-Length must be a number of bytes, not {declared.decode('latin-1')!r}",
                              instance=scope["path"])(scope, receive, send)
                return
            if int(declared) > self.max_bytes:
                await problem(413, str(BodyTooLarge(self.max_bytes).detail), instance=scope["path"],
                              headers={"Connection": "close"})(scope, receive, send)
                return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        await self.app(scope, counted, send)


# -- text a database can store ----------------------------------------------------------------


async def storable_text(request: Request) -> None:
    """An app-wide dependency: 422 naming each string of the JSON body that no database can store.

    Python's JSON reader accepts a lone surrogate (``"\\ud800"``), and a str holding one cannot be
    encoded, so it would fail deep in a route (SQLite's driver) rather than here. A body that is
    not JSON is left to the route's own parsing, which has answered for it already.
    """
    if not await request.body():
        return
    try:
        document = await request.json()
    except ValueError:
        return
    faults = list(_text_faults(document))
    if faults:
        raise RequestValidationError(faults)


def _text_faults(document: Any) -> Iterator[dict[str, Any]]:
    """Each key or string of a parsed JSON document that is not storable text, as a validation
    error at its place in the body (``body.credentialSubject.achievement.name``)."""
    # A walk with its own stack: a deeply nested body must not exhaust Python's recursion.
    stack: list[tuple[tuple[str | int, ...], Any]] = [(("body",), document)]
    while stack:
        loc, value = stack.pop()
        if isinstance(value, str):
            if fault := _fault(value):
                yield {"type": "string_unicode", "loc": loc, "msg": fault}
        elif isinstance(value, dict):
            for key, item in reversed(value.items()):
                place = (*loc, _printable(key))
                if fault := _fault(key):
                    yield {"type": "string_unicode", "loc": place, "msg": f"the key {fault}"}
                stack.append((place, item))
        elif isinstance(value, list):
            stack.extend(((*loc, i), item) for i, item in reversed(list(enumerate(value))))


def _fault(text: str) -> str | None:
    if "\x00" in text:
        return f"holds a NUL character (\\u0000) at character {text.index(chr(0))}, which text may not hold"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return (f"is not valid Unicode: a lone surrogate {_printable(text[exc.start])} at character {exc.start} "
                "(a \\ud800-\\udbff escape must be followed by a \\udc00-\\udfff one)")
    return None


def _printable(text: str) -> str:
    """``text`` with what cannot be encoded written as escapes, so an answer can quote it."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


# -- a matching request's budget --------------------------------------------------------------


class OverBudget(HTTPException):
    def __init__(self, detail: str) -> None:
        super().__init__(413, detail)


@dataclass(frozen=True)
class MatchBudget:
    """How much one matching request may ask for (see :class:`api.config.ApiSettings`)."""

    max_texts: int
    max_text_chars: int
    max_chars: int
    max_outcomes: int

    def check(self, texts: Sequence[str]) -> None:
        """Refuse more texts, a longer text or more characters in all than allowed."""
        if len(texts) > self.max_texts:
            raise RequestValidationError([{
                "type": "too_long", "loc": ("body", "texts"),
                "msg": f"List should have at most {self.max_texts} items, not {len(texts)} "
                       "(SKILLMATCH_MATCH_MAX_TEXTS); send the rest in another request"}])
        too_long = [{"type": "string_too_long", "loc": ("body", "texts", i),
                     "msg": f"String should have at most {self.max_text_chars:,} characters, not {len(text):,} "
                            "(SKILLMATCH_MATCH_MAX_TEXT_CHARS)"}
                    for i, text in enumerate(texts) if len(text) > self.max_text_chars]
        if too_long:
            raise RequestValidationError(too_long)
        total = sum(map(len, texts))
        if total > self.max_chars:
            raise OverBudget(f"the texts hold {total:,} characters in all; a request may hold at most "
                             f"{self.max_chars:,} (SKILLMATCH_MATCH_MAX_CHARS): send them in several requests")

    def credential(self, outcomes: Sequence[str]) -> None:
        """Refuse an uploaded credential whose learning outcomes would cost more to map than one
        matching request may (each outcome at most ``max_text_chars``, ``max_chars`` and
        ``max_outcomes`` in all): 413 naming the limit."""
        if len(outcomes) > self.max_outcomes:
            raise OverBudget(f"the credential states {len(outcomes):,} learning outcomes; a credential may state "
                             f"at most {self.max_outcomes:,} (SKILLMATCH_MATCH_MAX_OUTCOMES)")
        longest = max(map(len, outcomes), default=0)
        if longest > self.max_text_chars:
            raise OverBudget(f"a learning outcome of the credential holds {longest:,} characters; at most "
                             f"{self.max_text_chars:,} are mapped (SKILLMATCH_MATCH_MAX_TEXT_CHARS)")
        total = sum(map(len, outcomes))
        if total > self.max_chars:
            raise OverBudget(f"the credential's learning outcomes hold {total:,} characters in all; at most "
                             f"{self.max_chars:,} are mapped (SKILLMATCH_MATCH_MAX_CHARS)")

    def outcomes(self, texts: Sequence[str]) -> list[list[str]]:
        """The texts split into their learning outcomes, within the budget: an outcome is what the
        matcher reads and scores one by one, so it is what a request costs."""
        self.check(texts)
        blocks = [split_outcomes(text) for text in texts]
        total = sum(map(len, blocks))
        if total > self.max_outcomes:
            raise OverBudget(f"the texts hold {total:,} learning outcomes in all; a request may hold at most "
                             f"{self.max_outcomes:,} (SKILLMATCH_MATCH_MAX_OUTCOMES): send them in several "
                             "requests")
        return blocks


# -- each principal's rate --------------------------------------------------------------------


class RateLimited(HTTPException):
    def __init__(self, wait: float, limiter: RateLimiter) -> None:
        seconds = max(1, math.ceil(wait))
        super().__init__(429, f"too many requests that map text: {limiter.burst} at once and "
                              f"{limiter.per_minute:g} a minute are allowed; retry in {seconds} s",
                         headers={"Retry-After": str(seconds)})


class RateLimiter:
    """A token bucket per principal: ``burst`` calls at once, refilled at ``per_minute`` a minute
    (0: no limit). Kept in the process, so each worker counts the calls it serves."""

    def __init__(self, *, per_minute: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.burst = burst
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        # Routes run in a thread pool: two calls of one principal must not both take the last token.
        self._lock = threading.Lock()

    def take(self, key: str) -> None:
        """Count one call of ``key``; :class:`RateLimited` when its bucket is empty."""
        if not self.per_minute:
            return
        rate = self.per_minute / 60
        with self._lock:
            now = self._clock()
            tokens, then = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - then) * rate)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                raise RateLimited((1 - tokens) / rate, self)
            self._buckets[key] = (tokens - 1, now)
