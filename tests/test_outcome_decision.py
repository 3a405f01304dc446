"""The decision per learning outcome, on real ESCO: siblings decided together, a passport from
eight realistic badges of our own (tests/fixtures/badges, gold in expected.json)."""

from __future__ import annotations

import json
from pathlib import Path

from skillmatch.credentials import read_file
from skillmatch.matching import Matcher
from skillmatch.passport import build_passport
from skillmatch.taxonomy import ConceptKind

BADGES = Path(__file__).parent / "fixtures" / "badges"


def test_siblings_are_decided_together(esco_matcher: Matcher) -> None:
    matches = esco_matcher.match_skills(
        "Je handelt klachten van gasten klantvriendelijk af en zoekt samen met de gast naar een oplossing.")
    decision = esco_matcher._decision(ConceptKind.SKILL)
    ids = {uri: i for i, uri in enumerate(esco_matcher.indexes_[ConceptKind.SKILL].uris_)}
    # the reading found the complaint handling, and said which phrase did
    assert matches[0].label == "handle customer complaints"
    assert matches[0].reading == "klachten van gasten klantvriendelijk afhandelen"
    for match in matches:
        for uri, _label in match.alternatives:
            assert decision.siblings(ids[match.uri], ids[uri])
    # only the best of a family of siblings is linked
    linked = [m for m in matches if m.status == "linked"]
    for i, first in enumerate(linked):
        assert not any(decision.siblings(ids[first.uri], ids[other.uri]) for other in linked[i + 1:])
    # the lead a confidence reads is over the best candidate that is no sibling
    for match in matches:
        rivals = [o.score for o in matches if o.uri != match.uri and not decision.siblings(ids[match.uri], ids[o.uri])]
        assert all(match.lead <= match.score - rival + 1e-6 for rival in rivals)
    data = matches[0].to_dict()
    assert data["status"] in ("linked", "suggested") and "alternatives" in data and "reading" in data


def test_the_confidence_grows_with_agreement_and_falls_with_rank(esco_matcher: Matcher) -> None:
    calibration = esco_matcher.settings.calibration(ConceptKind.SKILL)
    assert calibration.agreement_coef > 0 and calibration.rank_coef < 0
    assert calibration.confidence(0.4, 0.05, 1.0) > calibration.confidence(0.4, 0.05, 0.0)
    assert calibration.confidence(0.4, 0.05, 0.5, 0) > calibration.confidence(0.4, 0.05, 0.5, 3)
    # The same text ranked: a later candidate of equal score is less likely to be accepted.
    [matches] = esco_matcher.match_outcomes_batch([["De student dient medicatie toe."]], top_k=5)
    expected = [calibration.confidence(m.score, m.lead, m.agreement, rank) for rank, m in enumerate(matches)]
    assert [m.confidence for m in matches] == expected


def test_a_passport_from_eight_realistic_badges(esco_matcher: Matcher) -> None:
    expected = json.loads((BADGES / "expected.json").read_text(encoding="utf-8"))
    gold = {o["outcome"]: [set(g) for g in o["gold_groups"]] for outcomes in expected.values() for o in outcomes}
    credentials = [read_file(BADGES / name) for name in sorted(expected)]
    passport = build_passport(credentials, esco_matcher)
    # The badges are not signed, so what the decision links is claimed rather than proven: the
    # decision is the same.
    proven = [(s, e) for s in passport.skills for e in s.evidence if e.state != "suggested"]
    assert all(e.state == "claimed" for _s, e in proven)
    right = [(s, e) for s, e in proven if any(s.uri in group for group in gold.get(e.outcome or "", []))]
    # Measured 2026-12-04: 19 skills proven from 31 outcomes, 13 of them right (before the rank in
    # the calibration: 9 and 6; before the outcome reader and decision: 1 proven); the bounds
    # leave room for the noise of a re-tuning.
    assert len({e.outcome for _s, e in right}) >= 9
    assert len(right) >= 0.5 * len(proven)
    data = passport.to_dict()
    evidence = [e for skill in data["claimed"] for e in skill["evidence"]]
    assert all({"outcome", "alternatives", "confidence", "reading"} <= set(e) for e in evidence)
    assert any(e["alternatives"] for e in evidence) and any(e["reading"] for e in evidence)


def test_the_passport_shows_what_each_outcome_proves(esco_matcher: Matcher) -> None:
    expected = json.loads((BADGES / "expected.json").read_text(encoding="utf-8"))
    credentials = [read_file(BADGES / name) for name in sorted(expected)]
    passport = build_passport(credentials, esco_matcher)
    by_credential = passport.by_credential()
    assert [held.title for held, _proofs in by_credential] == [c.achievement.name for c in credentials]
    for (held, proofs), name in zip(by_credential, sorted(expected), strict=True):
        # Every stated outcome is listed, in order, and none is crowded out by the credential's
        # other outcomes: each has a proven skill or a suggestion for the institution to review.
        assert [p.outcome for p in proofs] == [o["outcome"] for o in expected[name]] == list(held.outcomes)
        assert all(p.claims or p.suggests for p in proofs) and not any(p.proves for p in proofs), held.title
    claimed = sum(len(p.claims) for _held, proofs in by_credential for p in proofs)
    assert claimed == sum(1 for s in passport.skills for e in s.evidence if e.state == "claimed")
    outcomes = passport.to_dict()["credentials"][0]["outcomes"]
    assert {"outcome", "proves", "claims", "suggests"} == set(outcomes[0])
    item = [*outcomes[0]["claims"], *outcomes[0]["suggests"]][0]
    assert {"uri", "label", "state", "confidence", "reading", "alternatives"} == set(item)


def test_a_credential_s_outcomes_are_decided_one_by_one(esco_matcher: Matcher) -> None:
    block = ["De student schrijft programma's in Python en test ze met unit tests.",
             "De student dient medicatie toe volgens de vijf juiste principes.",
             "De student begeleidt een groep kinderen van 0 tot 4 jaar."]
    matches = esco_matcher.match_outcomes_batch([block], top_k=10)[0]
    assert {m.outcome for m in matches} == set(block)
    assert len({m.uri for m in matches}) == len(matches)
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)


def test_the_cli_passport_lists_each_outcome_with_proven_and_suggested_skills(esco_matcher: Matcher,
                                                                             tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from skillmatch.cli import app

    expected = json.loads((BADGES / "expected.json").read_text(encoding="utf-8"))
    names = sorted(expected)[:3]
    result = CliRunner().invoke(app, ["passport", "build", *(str(BADGES / n) for n in names), "--database-url",
                                      f"sqlite:///{tmp_path / 'catalogue.sqlite'}"], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    for name in names:
        for outcome in expected[name]:
            # each outcome, then its skills marked ~ (claimed: the badges are not signed) or ?
            # (suggested), before the next outcome
            at = next(i for i, line in enumerate(lines) if outcome["outcome"] in line)
            assert any(mark in lines[at + 1] for mark in ("── ~ ", "── ? ")), lines[at:at + 2]


def test_every_outcome_of_a_long_credential_gets_its_best(esco_matcher: Matcher) -> None:
    block = ["Je programmeert in Python.", "Je schrijft SQL-queries.", "Je dient medicatie toe.",
             "Je verzorgt wonden.", "Je rijdt met een heftruck.", "Je last met het TIG-proces."]
    [short] = esco_matcher.match_outcomes_batch([block], top_k=3)
    assert len(short) == 3
    [every] = esco_matcher.match_outcomes_batch([block], top_k=3, every_outcome=True)
    assert {m.outcome for m in every} == set(block)
