"""Speed of the learner and institution answers on the full ESCO taxonomy: gap to an occupation,
occupation fit (with and without a catalogue), recommendations and pathway, offer coverage and
overlap.

    .venv/bin/python benchmarks/advice.py [--offer 500] [--repeat 20]

Learner: the issuer-asserted skills of the sample wallet's credentials (no matcher needed). Offer: the 38
sample credentials' issuer-asserted skills plus ``--offer`` synthetic credentials, each teaching
5–25 skills of 1–2 random ESCO occupations at confidence 0.3–1 (seed 7). Times are medians over
``--repeat`` runs, warm (the occupation matrix, built once per taxonomy, is timed apart).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from skillmatch.config import Settings  # noqa: E402
from skillmatch.coverage import offer_coverage, overlap  # noqa: E402
from skillmatch.credentials import read_file  # noqa: E402
from skillmatch.domain import OfferedCredential  # noqa: E402
from skillmatch.gaps import occupation_fit, occupation_gap, occupation_matrix, profile_from_skills  # noqa: E402
from skillmatch.recommend import Constraints, pathway, recommend  # noqa: E402
from skillmatch.taxonomy import Taxonomy, load_taxonomy, store_path  # noqa: E402

SAMPLES = REPO / "skillmatch" / "samples"
ENERGY_ANALYST = "http://data.europa.eu/esco/occupation/cbde1a3a-406d-4d17-b30b-03981925035d"


def sample_offer(taxonomy: Taxonomy, synthetic: int, seed: int = 7) -> list[OfferedCredential]:
    offer = []
    for path in sorted((SAMPLES / "catalogue").glob("*.json")):
        a = read_file(path)
        skills = {al.uri: 1.0 for al in [*a.alignments, *(x for o in a.outcomes for x in o.alignments)]
                  if al.uri in taxonomy}
        offer.append(OfferedCredential(a.id or path.stem, a.name, a.issuer.name, a.issuer.country, a.eqf_level,
                                       a.ects, a.hours, a.language, a.format.value, a.stackable, a.prerequisites,
                                       skills))
    rng = np.random.default_rng(seed)
    occupations = [c.uri for c in taxonomy.occupations if taxonomy.skills_of(c.uri)]
    for i in range(synthetic):
        pool = [s.uri for o in rng.choice(occupations, size=int(rng.integers(1, 3))) for s in taxonomy.skills_of(o)]
        chosen = rng.choice(pool, size=min(len(pool), int(rng.integers(5, 26))), replace=False)
        offer.append(OfferedCredential(f"synthetic-{i}", f"synthetic credential {i}", f"institution {i % 40}", "NL",
                                       int(rng.integers(4, 8)), float(rng.choice([3, 5, 6, 10, 15])), None, "en",
                                       "ob2", bool(rng.integers(0, 2)), None,
                                       {str(u): float(rng.uniform(0.3, 1.0)) for u in chosen}))
    return offer


def timed(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--offer", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    taxonomy = load_taxonomy(store_path(Settings().data_dir))
    offer = sample_offer(taxonomy, args.offer)
    # The learner: every issuer-asserted skill of the sample wallet's credentials.
    held = {}
    badge_classes = {a.id: a for a in (read_file(p) for p in (SAMPLES / "catalogue").glob("*.json"))}
    for path in sorted((SAMPLES / "wallet").iterdir()):
        credential = read_file(path, badge_classes=badge_classes)
        for alignment in [*credential.achievement.alignments,
                          *(x for o in credential.achievement.outcomes for x in o.alignments)]:
            if alignment.uri in taxonomy:
                held[alignment.uri] = 1.0
    profile = profile_from_skills(held, taxonomy)
    print(f"machine: {platform.machine()}, python {platform.python_version()}; profile of {len(profile)} skills, "
          f"offer of {len(offer)} credentials ({len(offer) - args.offer} samples + {args.offer} synthetic)")

    started = time.perf_counter()
    occupation_matrix(taxonomy)
    print(f"occupation matrix (once per taxonomy): {time.perf_counter() - started:.2f} s")
    constraints = Constraints(max_ects=30)
    rows = [
        ("gap to one occupation", lambda: occupation_gap(profile, ENERGY_ANALYST, taxonomy)),
        ("fit: rank all occupations, no catalogue", lambda: occupation_fit(profile, taxonomy)),
        (f"fit with {len(offer)} offered credentials (1–2 away)", lambda: occupation_fit(profile, taxonomy,
                                                                                         offer=offer)),
        (f"recommend from {len(offer)} credentials", lambda: recommend(profile, ENERGY_ANALYST, offer, taxonomy,
                                                                        constraints=constraints)),
        ("pathway", lambda: pathway(profile, ENERGY_ANALYST, offer, taxonomy, constraints=constraints)),
        (f"coverage of {len(offer)} credentials, 4 sectors", lambda: offer_coverage(offer, taxonomy)),
        (f"overlap among {len(offer)} credentials", lambda: overlap(offer, taxonomy)),
    ]
    print("| answer | median ms |\n|---|---|")
    for name, function in rows:
        print(f"| {name} | {timed(function, args.repeat):.1f} |", flush=True)


if __name__ == "__main__":
    main()
