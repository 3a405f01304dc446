"""The reshaped matcher gives the same matches as before on a fixed sample of the development sets.

``tests/fixtures/matching_digest.json`` holds, per item, a digest of what ``map-skills`` or
``map-occupations`` reported for it (concepts, scores and confidences to 3 decimals, status,
matched form and outcome) when the matcher was one module; only digests are kept, nothing of ESCO.
A deliberate change of the matches regenerates it (``python tests/test_matching_regression.py``).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from skillmatch.matching import Matcher  # noqa: E402
from tests.conftest import ESCO  # noqa: E402

GOLD = REPO.parent / "shared" / "benchmarks"
DIGEST = REPO / "tests" / "fixtures" / "matching_digest.json"
#: File -> items taken from its start: Dutch and English outcomes, Dutch phrases, titles, vacancies.
SAMPLE_FILES = {
    "learning_outcomes_dev": 50,
    "skills_vdab_nl_dev": 60,
    "skills_tech_val": 25,
    "occupations_jobads_dev": 10,
    "occupations_melo_nl_dev": 30,
    "occupations_titles_en_dev": 30,
}


def sample() -> dict[str, list[str]]:
    texts = {}
    for name, count in SAMPLE_FILES.items():
        with (GOLD / f"{name}.jsonl").open(encoding="utf-8") as lines:
            texts[name] = [json.loads(line)["text"] for line, _ in zip(lines, range(count), strict=False)]
    return texts


def digest(matcher: Matcher, name: str, texts: list[str]) -> list[str]:
    task = matcher.match_occupations_batch if name.startswith("occupations_") else matcher.match_skills_batch
    digests = []
    for matches in task(texts, top_k=10):
        rows = [(m.uri, f"{m.score:.3f}", f"{m.confidence:.3f}", m.status, m.matched, m.outcome) for m in matches]
        digests.append(hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()[:16])
    return digests


def test_same_matches_as_before_the_reshaping(esco_matcher: Matcher) -> None:
    if not GOLD.is_dir():
        pytest.skip(f"no development sets at {GOLD}")
    expected = json.loads(DIGEST.read_text())
    for name, texts in sample().items():
        found = digest(esco_matcher, name, texts)
        changed = [i for i, (a, b) in enumerate(zip(found, expected[name], strict=True)) if a != b]
        assert not changed, f"{name}: items {changed} are matched differently than before"


if __name__ == "__main__":
    from skillmatch.config import Settings
    from skillmatch.matching import open_matcher

    assert ESCO.is_dir()
    fitted = open_matcher(Settings().data_dir, "e5-small")
    DIGEST.write_text(json.dumps({name: digest(fitted, name, texts) for name, texts in sample().items()},
                                 indent=1) + "\n")
