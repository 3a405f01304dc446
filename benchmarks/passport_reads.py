"""How long reading a passport takes when a learner holds many uncatalogued credentials.

    python benchmarks/passport_reads.py [--credentials 20] [--outcomes 60] [--reads 10]

In one process, with the real matcher and a fresh SQLite store: a learner adds ``--credentials``
credentials (the sample European Digital Credential, each stating ``--outcomes`` Dutch learning
outcomes of its own, none of them in the catalogue), consents to an employer, who accepts; then
the learner's passport, their gap to an occupation and the employer's candidate ranking are each
read ``--reads`` times. Prints the time to add a credential (where its skills are mapped, once)
and the median and slowest read of each kind.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi.testclient import TestClient  # noqa: E402

from api.config import ApiSettings  # noqa: E402
from api.main import create_app  # noqa: E402
from skillmatch.config import Settings  # noqa: E402
from skillmatch.encoder import DEFAULT_ENCODER  # noqa: E402
from skillmatch.matching import open_matcher  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[1] / "skillmatch" / "samples"
OUTCOMES = ("De student analyseert materiaalstromen van bouwproject {i} en stelt verbeteringen voor met de R-ladder",
            "De student berekent de CO2-uitstoot van ontwerpvariant {i} en vergelijkt die met de norm",
            "De student adviseert opdrachtgever {i} over hergebruik van bouwmaterialen")
ENERGY_ANALYST = "http://data.europa.eu/esco/occupation/cbde1a3a-406d-4d17-b30b-03981925035d"


def credential(number: int, outcomes: int) -> dict:
    """The sample ELM credential as credential ``number``, stating ``outcomes`` learning outcomes."""
    document = json.loads((SAMPLES / "wallet" / "edc-hsv-circulaire-economie.json").read_text(encoding="utf-8"))
    document["id"] = f"urn:uuid:benchmark-{number}"
    claim = document["credentialSubject"]["hasClaim"][0]
    claim["specifiedBy"]["id"] = f"urn:benchmark:specification:{number}"
    claim["specifiedBy"]["learningOutcome"] = [
        {"id": f"urn:benchmark:lo:{number}:{i}", "type": "LearningOutcome",
         "title": {"nl": OUTCOMES[i % len(OUTCOMES)].format(i=f"{number}.{i}")}} for i in range(outcomes)]
    return document


def timed(call) -> float:
    started = time.perf_counter()
    response = call()
    assert response.status_code < 300, response.text
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--credentials", type=int, default=20)
    parser.add_argument("--outcomes", type=int, default=60)
    parser.add_argument("--reads", type=int, default=10)
    args = parser.parse_args(argv)
    matcher = open_matcher(Settings().data_dir, DEFAULT_ENCODER)
    with tempfile.TemporaryDirectory() as folder:
        settings = ApiSettings(data_dir=Path(folder), trust_list=SAMPLES / "trust.json", rate_limit_per_minute=0)
        with TestClient(create_app(settings, matcher=matcher)) as api:
            accounts = api.app.state.services.accounts
            learner, token = accounts.create_principal("learner", "learner")
            employer, employer_token = accounts.create_principal("employer", "employer")
            as_learner = {"Authorization": f"Bearer {token}"}
            as_employer = {"Authorization": f"Bearer {employer_token}"}
            adds = [timed(lambda n=n: api.post("/v1/passports/me/credentials", headers=as_learner,
                                               json=credential(n, args.outcomes)))
                    for n in range(args.credentials)]
            api.put(f"/v1/passports/me/consents/{employer.id}", json={"scope": ["skills"]}, headers=as_learner)
            api.post(f"/v1/consents/{learner.id}/accept", headers=as_employer)
            reads = {
                "passport": lambda: api.get("/v1/passports/me", headers=as_learner),
                "gap": lambda: api.get("/v1/passports/me/gap", params={"occupation": ENERGY_ANALYST},
                                       headers=as_learner),
                "candidates": lambda: api.post("/v1/candidates", headers=as_employer,
                                               json={"role": ENERGY_ANALYST, "kind": "occupation",
                                                     "include_claimed": True}),
            }
            print(f"{args.credentials} credentials of {args.outcomes} learning outcomes each, none catalogued")
            print(f"add a credential (mapped once): median {statistics.median(adds):.2f} s, slowest {max(adds):.2f} s")
            for name, call in reads.items():
                times = [timed(call) for _ in range(args.reads)]
                print(f"read {name}: median {statistics.median(times) * 1000:.0f} ms, "
                      f"slowest {max(times) * 1000:.0f} ms ({args.reads} reads)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
