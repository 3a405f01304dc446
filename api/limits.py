"""The request size limit: a body over the configured size is refused with 413, whether its
``Content-Length`` says so up front or a chunked body only turns out too large while it streams in."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import problem


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
