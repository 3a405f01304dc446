"""The passport page (``/passport``) in headless Chromium: the real app on a loopback port, a learner
holding the sample wallet, the sample catalogue credentials it needs, and the energy-analyst target.

Playwright drives Debian's chromium (the ``chromium`` fixture finds it; ``.ci/run`` installs it): it
never downloads a browser of its own. A screenshot of the filled-in page is left in the test's tmp_path.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.config import ApiSettings
from api.main import create_app
from benchmarks.load import CATALOGUE, ENERGY_ANALYST, TRUST, WALLET, WALLET_CATALOGUE, LiveServer, Seeded, seed
from skillmatch.matching import Matcher
from skillmatch.store import CatalogueStore
from skillmatch.store.accounts import AccountStore, new_token

# Keep the browser off the network: nothing outside the loopback service may be fetched.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
PYTHON_SKILL = "Python (computer programming)"

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright comes with the [test] extra")


class Service:
    def __init__(self, url: str, seeded: Seeded) -> None:
        self.url = url
        self.seeded = seeded


@pytest.fixture(scope="module")
def service(esco_matcher: Matcher, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    data_dir = tmp_path_factory.mktemp("page-service")
    admin_token = new_token()
    # The first admin exists before the service starts, as `skillmatch serve --admin-token-file` makes it.
    store = CatalogueStore.open(None, data_dir)
    AccountStore(store.engine).ensure_admin("admin", admin_token)
    store.close()
    # Unlimited: seeding imports more credentials at once than a principal's burst allows.
    app = create_app(ApiSettings(data_dir=data_dir, database_url=None, trust_list=TRUST, rate_limit_per_minute=0),
                     matcher=esco_matcher)
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=120) as client:
        seeded = seed(client, admin_token, catalogue=[CATALOGUE / name for name in WALLET_CATALOGUE],
                      wallet=sorted(WALLET.iterdir()))
        yield Service(server.url, seeded)


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def problems() -> list[str]:
    """Script errors and Content-Security-Policy violations the page reported."""
    return []


@pytest.fixture
def page(browser, service: Service, problems: list[str]) -> Iterator:
    context = browser.new_context(viewport={"width": 1200, "height": 900}, base_url=service.url)
    opened = context.new_page()
    opened.set_default_timeout(60_000)
    opened.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    # The page runs under a strict policy; a violation means something inline crept in.
    opened.on("console", lambda message: problems.append(message.text)
              if "Content Security Policy" in message.text else None)
    yield opened
    context.close()


def open_passport(page, token: str) -> None:
    page.goto("/passport")
    page.get_by_label("Access token", exact=True).fill(token)
    page.get_by_role("button", name="Open my passport").click()


def test_page_and_assets_are_served_with_a_strict_policy(service: Service) -> None:
    html = httpx.get(f"{service.url}/passport")
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    policy = html.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert html.headers["referrer-policy"] == "no-referrer"
    assert '<script src="/passport/static/passport.js"' in html.text
    for name, media_type in (("passport.js", "text/javascript"), ("passport.css", "text/css")):
        asset = httpx.get(f"{service.url}/passport/static/{name}")
        assert asset.status_code == 200 and asset.headers["content-type"].startswith(media_type)
    for name in ("passport.html", "..%2Fpages.py", "missing.js"):
        assert httpx.get(f"{service.url}/passport/static/{name}").status_code == 404


def test_wrong_token_shows_the_api_message(page, service: Service, problems: list[str]) -> None:
    open_passport(page, "not-a-valid-token")
    message = page.get_by_role("alert")
    sync_api.expect(message).to_contain_text("the API token is not valid")
    sync_api.expect(page.locator("#passport")).to_be_hidden()
    assert page.evaluate("sessionStorage.getItem('skillmatch.token')") is None
    assert not problems


def test_passport_gap_and_recommendations_render(page, service: Service, problems: list[str],
                                                 tmp_path: Path) -> None:
    token = service.seeded.learner_token
    open_passport(page, token)
    sync_api.expect(page.locator("#passport")).to_be_visible()
    # The token lives in this tab's session storage, never in the address.
    assert token not in page.url
    assert page.evaluate("sessionStorage.getItem('skillmatch.token')") == token

    passport = httpx.get(f"{service.url}/v1/passports/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert len(passport["credentials"]) == len(list(WALLET.iterdir()))
    credentials = page.locator("#credentials tbody tr")
    sync_api.expect(credentials).to_have_count(len(passport["credentials"]))
    sync_api.expect(credentials.filter(has_text="Energiedata analyseren")).to_contain_text("verified (vc-jwt)")
    sync_api.expect(credentials.filter(has_text="Data Visualisation")).to_contain_text(
        "hosted verification needs the issuer's server")
    # Each credential opens onto what each of its learning outcomes proves (+), claims (~: the
    # credential is not verified, as this Open Badges 2.0 assertion) and suggests (?).
    held = next(c for c in passport["credentials"] if c["title"] == "Python voor data-analyse")
    row = credentials.filter(has_text="Python voor data-analyse")
    row.locator("details.outcomes summary").click()
    stated = [o["outcome"] for o in held["outcomes"] if o["outcome"] is not None]
    sync_api.expect(row.locator("details.outcomes summary")).to_have_text(
        f"What its {len(stated)} learning outcomes prove")
    sync_api.expect(row.locator("details.outcomes .outcome")).to_have_count(len(held["outcomes"]))
    claimed = [s["label"] for o in held["outcomes"] for s in o["claims"]]
    sync_api.expect(row.locator("details.outcomes li.claimed")).to_have_count(len(claimed))
    sync_api.expect(row.locator("details.outcomes li.proven")).to_have_count(0)
    assert claimed and "Python (computer programming)" in claimed
    sync_api.expect(row.locator("details.outcomes li.claimed").filter(
        has_text="~ Python (computer programming)")).to_have_count(1)
    sync_api.expect(page.locator("#claimed > li")).to_have_count(len(passport["claimed"]))

    for pillar, uris in passport["by_pillar"].items():
        section = page.locator(f'section.pillar[data-pillar="{pillar}"]')
        sync_api.expect(section.get_by_role("heading")).to_have_text(f"{pillar} ({len(uris)})")
        sync_api.expect(section.locator("ul.skills > li")).to_have_count(len(uris))
    assert {"knowledge", "skills"} <= set(passport["by_pillar"])

    python = page.locator('section.pillar[data-pillar="knowledge"] li').filter(has_text=PYTHON_SKILL)
    python.locator("summary").click()
    evidence = python.locator("table.evidence tbody tr").filter(has_text="Python voor data-analyse")
    sync_api.expect(evidence).to_contain_text("asserted by the issuer")
    sync_api.expect(evidence).to_contain_text("Python-programma's schrijven")
    sync_api.expect(evidence).to_contain_text("not reviewed")
    sync_api.expect(page.locator("#suggested > li")).to_have_count(len(passport["suggested"]))

    page.get_by_label("Search an ESCO occupation", exact=True).fill("energy analyst")
    page.get_by_role("button", name="Search", exact=True).click()
    page.locator(f'#occupation-results button[data-uri="{ENERGY_ANALYST}"]').click()

    chart = page.locator(f'#chart svg[data-occupation="{ENERGY_ANALYST}"]')
    sync_api.expect(chart).to_be_visible()
    sync_api.expect(page.locator("#gap-title")).to_have_text("Your coverage of energy analyst")
    gap = httpx.get(f"{service.url}/v1/passports/me/gap", params={"occupation": ENERGY_ANALYST},
                    headers={"Authorization": f"Bearer {token}"}).json()
    essential_held = sum(1 for s in gap["skills"] if s["relation"] == "essential" and s["status"] == "held")
    held_segment = chart.locator('rect[data-status="held"]').first
    assert int(held_segment.get_attribute("data-count")) == essential_held > 0
    sync_api.expect(chart.locator("desc")).to_contain_text(f"{essential_held} held")
    sync_api.expect(chart.locator("text").filter(has_text="Weighted coverage")).to_have_count(1)
    missing = [s["label"] for s in gap["skills"] if s["relation"] == "essential" and s["status"] == "missing"]
    sync_api.expect(page.locator("#missing > li")).to_have_text(missing)

    recommendations = page.locator("#recommendations > li")
    sync_api.expect(recommendations.first).to_be_visible()
    assert recommendations.count() >= 1
    first = recommendations.first
    sync_api.expect(first.locator(".rec-title")).not_to_be_empty()
    sync_api.expect(first.locator(".rec-reasons > li").first).to_contain_text("covers")
    sync_api.expect(page.locator("#plan-summary")).to_contain_text("energy analyst")

    page.screenshot(path=str(tmp_path / "passport.png"), full_page=True)
    (tmp_path / "passport.json").write_text(json.dumps(passport, indent=1))

    # A budget no credential fits: the plan is recomputed, empty, and the summary says why.
    with page.expect_response(lambda response: "max_ects=1" in response.url):
        page.get_by_label("Study budget for next credentials (ECTS, optional)").fill("1")
        page.get_by_label("Study budget for next credentials (ECTS, optional)").press("Tab")
    sync_api.expect(recommendations).to_have_count(0)
    sync_api.expect(page.locator("#plan-summary")).not_to_be_empty()
    assert not problems

    # Reloading keeps the passport open from session storage; forgetting the token closes it.
    page.reload()
    sync_api.expect(page.locator("#passport")).to_be_visible()
    page.get_by_role("button", name="Forget token").click()
    sync_api.expect(page.locator("#passport")).to_be_hidden()
    assert page.evaluate("sessionStorage.getItem('skillmatch.token')") is None


def test_api_errors_in_the_occupation_search_are_shown(page, service: Service, problems: list[str]) -> None:
    open_passport(page, service.seeded.learner_token)
    sync_api.expect(page.locator("#target")).to_be_visible()
    # The search box needs 2 characters; a request the API refuses shows its problem detail.
    page.route("**/v1/taxonomy/search*", lambda route: route.fulfill(
        status=503, content_type="application/problem+json",
        body=json.dumps({"type": "about:blank", "title": "Service Unavailable", "status": 503,
                         "detail": "the catalogue database is not reachable"})))
    page.get_by_label("Search an ESCO occupation", exact=True).fill("nurse")
    page.get_by_role("button", name="Search", exact=True).click()
    sync_api.expect(page.get_by_role("alert")).to_contain_text("the catalogue database is not reachable")
    assert not problems
