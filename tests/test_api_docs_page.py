"""The API's documentation page (``/docs``, Swagger UI) works on a machine with no internet: its script
and styles come from the app itself, never from a CDN.

The browser test drives Debian's chromium (the ``chromium`` fixture) as tests/test_api_page.py does, with
every request that is not for the service aborted and recorded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.config import ApiSettings
from api.main import create_app
from benchmarks.load import LiveServer
from skillmatch.matching import Matcher

# Keep the browser off the network: nothing outside the loopback service may be fetched.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
MEDIA_TYPES = {".js": ("text/javascript", "application/javascript"), ".css": ("text/css",), ".png": ("image/png",)}
ASSET = re.compile(r'(?:src|href)="([^"]+)"')
OPERATION_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright comes with the [test] extra")


@pytest.fixture(scope="module")
def client() -> TestClient:
    """The app, not started: the page and its assets need no store and no matcher."""
    return TestClient(create_app())


def test_docs_page_references_only_assets_the_app_serves(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "http://" not in page.text and "https://" not in page.text and "//cdn" not in page.text
    assets = ASSET.findall(page.text)
    assert {Path(url).suffix for url in assets} == set(MEDIA_TYPES), assets
    for url in assets:
        assert url.startswith("/docs/assets/"), url
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert asset.headers["content-type"].startswith(MEDIA_TYPES[Path(url).suffix]), (url, asset.headers)
    assert client.get("/docs/assets/missing.js").status_code == 404


def test_oauth2_redirect_is_served_and_redoc_is_not(client: TestClient) -> None:
    redirect = client.get("/docs/oauth2-redirect")
    assert redirect.status_code == 200 and redirect.headers["content-type"].startswith("text/html")
    assert "oauth2" in redirect.text
    assert client.get("/redoc").status_code == 404
    assert not any(path.startswith("/docs") for path in client.get("/openapi.json").json()["paths"])


@pytest.fixture(scope="module")
def service_url(esco_matcher: Matcher, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("docs-service")
    with LiveServer(create_app(ApiSettings(data_dir=data_dir, database_url=None), matcher=esco_matcher)) as server:
        yield server.url


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator:
    """Only the browser test needs chromium; the others check the page and its assets over HTTP."""
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def test_swagger_ui_renders_every_operation_offline(browser, service_url: str) -> None:
    context = browser.new_context(viewport={"width": 1200, "height": 900}, base_url=service_url)
    page = context.new_page()
    page.set_default_timeout(60_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    outside: list[str] = []

    def only_the_service(route) -> None:
        if route.request.url.startswith(f"{service_url}/"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_the_service)
    try:
        page.goto("/docs")
        sync_api.expect(page.locator(".information-container .title")).to_contain_text("skillmatch")
        paths = page.request.get("/openapi.json").json()["paths"]
        # Swagger UI lists an operation under each of its tags.
        operations = sum(len(operation.get("tags") or [None]) for item in paths.values()
                         for method, operation in item.items() if method in OPERATION_METHODS)
        sync_api.expect(page.locator(".opblock")).to_have_count(operations)
        assert not outside and not errors
    finally:
        context.close()
