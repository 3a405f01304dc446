"""The learner's passport page: one HTML document and its static assets, served by the API app.

The page is plain HTML, CSS and JavaScript with no build step and nothing fetched from outside the
machine; it talks to the ``/v1`` API with the bearer token the learner types in.
"""

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

STATIC_DIR = Path(__file__).parent / "static"

# Only these files are served, so a crafted name can never reach outside the static folder.
_ASSETS = {
    "passport.css": "text/css; charset=utf-8",
    "passport.js": "text/javascript; charset=utf-8",
}

# The page holds a bearer token: keep it out of frames and referrers and only run our own script.
_PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}

router = APIRouter(tags=["pages"])


@router.get("/passport", include_in_schema=False)
def passport_page() -> FileResponse:
    """The passport page (HTML)."""
    return FileResponse(STATIC_DIR / "passport.html", media_type="text/html; charset=utf-8",
                        headers=_PAGE_HEADERS)


@router.get("/passport/static/{name}", include_in_schema=False)
def passport_asset(name: str) -> FileResponse:
    """A stylesheet or script of the passport page."""
    media_type = _ASSETS.get(name)
    if media_type is None:
        raise HTTPException(status_code=404, detail=f"no asset named {name!r}")
    return FileResponse(STATIC_DIR / name, media_type=media_type,
                        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"})
