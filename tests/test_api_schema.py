"""Schemathesis over every operation of the API's OpenAPI schema: whatever the generated request,
the service answers without a server error (5xx).

The schema is the app's own (``/openapi.json``); the requests go over HTTP to the app served by
uvicorn on a loopback port, on a temporary SQLite catalogue with a little real data, so the paths
do real work: a learner holding part of the sample wallet, an institution's and other
catalogue credentials, an employer the learner consents to. Each request carries the token of the
role its path needs, so it gets past authentication and into the route.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, settings

from api.config import ApiSettings
from api.main import create_app
from benchmarks.load import CATALOGUE, ENERGY_ANALYST, TRUST, WALLET, LiveServer, auth, seed
from skillmatch.matching import Matcher
from skillmatch.store import CatalogueStore
from skillmatch.store.accounts import AccountStore, new_token

schemathesis = pytest.importorskip("schemathesis", reason="Schemathesis comes with the [test] extra")
from schemathesis.checks import not_a_server_error  # noqa: E402

#: Examples per operation in the fuzzing phase; the coverage phase adds its boundary cases.
MAX_EXAMPLES = 12
#: Mapping cost grows with the text: a few short texts exercise the same code as 64 long ones.
MATCH_TEXTS = 2
MATCH_CHARS = 300
#: Part of the sample wallet (an OB 2.0 assertion, OB 3.0 as JSON and as VC-JWT, a European Digital
#: Credential), each with its achievement in the catalogue (a held credential the catalogue lacks is
#: mapped on every passport request, which would make the passport paths slow), plus two credentials
#: that recommendations can choose.
WALLET_FILES = ("assertion-hds-python-voor-data-analyse.json", "ob3-fhr-smart-grid-monitoring.json",
                "ob3-hds-energiedata-analyseren.jwt", "edc-hsv-circulaire-economie.json")
CATALOGUE_FILES = ("hds-python-voor-data-analyse.json", "fhr-smart-grid-monitoring-ob3.json",
                   "hds-energiedata-analyseren-ob3.json", "hsv-circulaire-economie-elm.json",
                   "fhr-energy-auditing-elm.json", "uvn-sustainable-building-performance-elm.json")


@dataclass(frozen=True)
class World:
    url: str
    admin: str
    learner: str
    learner_id: str
    institution: str
    employer: str
    employer_id: str
    credential_id: str

    def token_for(self, path: str) -> str:
        """The token of the role a path is for (any token would do for taxonomy and matching)."""
        if path.startswith("/v1/catalogue"):
            return self.institution
        if path.startswith("/v1/passports/me"):
            return self.learner
        if path.startswith(("/v1/passports/", "/v1/candidates", "/v1/consents")):
            return self.employer
        if path == "/v1/principals":
            return self.admin
        return self.learner

    def known_id(self, name: str) -> str | None:
        """An id that exists for the path parameter ``name``, percent-encoded (a credential id is a
        URL, whose slashes would otherwise reach the server as path segments, "//" collapsed)."""
        known = {"learner_id": self.learner_id, "employer_id": self.employer_id,
                 "credential_id": self.credential_id, "uri": ENERGY_ANALYST}.get(name)
        return quote(known, safe="") if known else None


@pytest.fixture(scope="module")
def world(esco_matcher: Matcher, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    data_dir = tmp_path_factory.mktemp("schema-service")
    admin = new_token()
    store = CatalogueStore.open(None, data_dir)
    AccountStore(store.engine).ensure_admin("admin", admin)
    store.close()
    app = create_app(ApiSettings(data_dir=data_dir, database_url=None, trust_list=TRUST), matcher=esco_matcher)
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=120) as client:
        seeded = seed(client, admin, catalogue=[CATALOGUE / name for name in CATALOGUE_FILES],
                      wallet=[WALLET / name for name in WALLET_FILES])
        employer = client.post("/v1/principals", headers=auth(admin), json={"name": "Netbeheer Zuid",
                                                                            "role": "employer"}).json()
        consent = client.put(f"/v1/passports/me/consents/{employer['id']}", headers=auth(seeded.learner_token),
                             json={"scope": ["skills", "evidence", "credentials"]})
        assert consent.status_code == 200, consent.text
        accepted = client.post(f"/v1/consents/{seeded.learner_id}/accept", headers=auth(employer["token"]))
        assert accepted.status_code == 200, accepted.text
        credential = client.get("/v1/catalogue/credentials", headers=auth(seeded.institution_token)).json()
        assert credential["count"] >= 1, credential
        yield World(url=server.url, admin=admin, learner=seeded.learner_token, learner_id=seeded.learner_id,
                    institution=seeded.institution_token, employer=employer["token"], employer_id=employer["id"],
                    credential_id=credential["data"][0]["id"])


# The spec needs no running app: create_app() opens nothing until it starts. (Schemathesis' loader
# from a pytest fixture, which would take the live app's, fails under pytest 9: it sets Node._nodeid.)
schema = schemathesis.openapi.from_dict(
    create_app().openapi(),
    config=schemathesis.Config.from_dict({"generation": {"max-examples": MAX_EXAMPLES, "database": "none"}}))
# Ids that exist, for every other request to a path that takes one (random ids only reach the 404).
_use_known_id = itertools.cycle([False, True])


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_no_server_error(case, world: World) -> None:
    operation = case.operation
    method = operation.method.upper()
    # Deleting (or declining) a known consent or credential would take the data away from the
    # operations after it.
    if method != "DELETE" and not operation.path.endswith("/decline") and next(_use_known_id):
        for name in list(case.path_parameters or {}):
            if world.known_id(name):
                case.path_parameters[name] = world.known_id(name)
    if operation.path.startswith("/v1/match/") and isinstance(case.body, dict) \
            and isinstance(case.body.get("texts"), list):
        case.body["texts"] = [t[:MATCH_CHARS] if isinstance(t, str) else t for t in case.body["texts"][:MATCH_TEXTS]]
    case.call_and_validate(base_url=world.url, headers={"Authorization": f"Bearer {world.token_for(operation.path)}"},
                           checks=[not_a_server_error])
