"""Offer coverage and overlap: hand-checked numbers on a tiny taxonomy, then a real ESCO occupation."""

from __future__ import annotations

import pytest

from skillmatch.coverage import SECTORS, OccupationCoverage, offer_coverage, overlap
from skillmatch.domain import OfferedCredential
from skillmatch.errors import InputError, UnknownConceptError
from skillmatch.gaps import ESSENTIAL_WEIGHT as E
from skillmatch.gaps import OPTIONAL_WEIGHT as O
from skillmatch.matching import Matcher
from skillmatch.taxonomy import Concept, ConceptKind, OccupationSkill, Taxonomy
from tests.conftest import ISCO, OCC, S

SOFTWARE_DEVELOPER = OCC + "f2b15a0e-e65a-438a-affb-29b9d50b77d1"


def group(key: str, label: str, *broader: str) -> Concept:
    return Concept(S + key, ConceptKind.SKILL_GROUP, preferred={"en": label}, broader=tuple(S + b for b in broader))


def skill(key: str, label: str, *broader: str) -> Concept:
    return Concept(S + key, ConceptKind.SKILL, preferred={"en": label}, broader=tuple(S + b for b in broader))


def isco(code: str, label: str) -> Concept:
    broader = (ISCO + "C" + code[:-1],) if len(code) > 1 else ()
    return Concept(ISCO + "C" + code, ConceptKind.ISCO_GROUP, preferred={"en": label}, code=code, broader=broader)


def occupation(key: str, label: str, code: str) -> Concept:
    return Concept(OCC + key, ConceptKind.OCCUPATION, preferred={"en": label}, isco_group=code,
                   broader=(ISCO + "C" + code,))


def credential(id_: str, title: str, issuer: str | None, skills: dict[str, float]) -> OfferedCredential:
    return OfferedCredential(id=id_, title=title, issuer=issuer, country="NL", eqf_level=6, ects=5.0, hours=None,
                             language="en", format="openbadges3", stackable=True, prerequisites=None,
                             skills={S + key: confidence for key, confidence in skills.items()})


@pytest.fixture(scope="module")
def tiny() -> Taxonomy:
    """Five occupations, one per sector and a second ICT one, over nine skills in four pillars.
    "use version control" sits in two groups under two pillars (skills and knowledge)."""
    concepts = [
        group("K", "knowledge"), group("K06", "information and communication technologies", "K"),
        group("S", "skills"), group("S5", "working with computers", "S"), group("S3", "assisting and caring", "S"),
        group("S2", "teaching", "S"),
        group("T", "transversal skills and competences"), group("T4", "social and communication skills", "T"),
        skill("py", "Python (computer programming)", "K06"), skill("sql", "SQL", "K06"),
        skill("test", "execute software tests", "S5"), skill("git", "use version control", "S5", "K06"),
        skill("team", "work in teams", "T4"), skill("care", "provide wound care", "S3"),
        skill("hyg", "apply hygiene standards", "S3"), skill("teach", "teach programming", "S2"),
        skill("wire", "install electrical wiring", "S"),
        isco("2", "Professionals"), isco("25", "ICT professionals"), isco("251", "Software developers and analysts"),
        isco("2512", "Software developers"), isco("2513", "Web and multimedia developers"),
        isco("22", "Health professionals"), isco("222", "Nursing professionals"), isco("2221", "Nursing professionals"),
        isco("23", "Teaching professionals"), isco("235", "Other teaching professionals"),
        isco("2356", "Information technology trainers"), isco("7", "Craft and related trades workers"),
        isco("74", "Electrical trades workers"), isco("741", "Electrical equipment installers"),
        isco("7411", "Building electricians"),
        occupation("dev", "software developer", "2512"), occupation("web", "web developer", "2513"),
        occupation("nurse", "nurse", "2221"), occupation("trainer", "IT trainer", "2356"),
        occupation("electrician", "electrician", "7411"),
    ]
    needs = [("dev", "py", "essential"), ("dev", "sql", "essential"), ("dev", "test", "essential"),
             ("dev", "git", "optional"), ("dev", "team", "optional"),
             ("web", "py", "essential"), ("web", "team", "optional"),
             ("nurse", "care", "essential"), ("nurse", "hyg", "essential"), ("nurse", "team", "essential"),
             ("trainer", "teach", "essential"), ("trainer", "py", "essential"), ("trainer", "team", "optional"),
             ("electrician", "wire", "essential"), ("electrician", "team", "optional")]
    return Taxonomy(concepts, occupation_skills=[OccupationSkill(OCC + o, S + s, r) for o, s, r in needs])


@pytest.fixture(scope="module")
def offer() -> list[OfferedCredential]:
    return [
        credential("a1", "Python basics", "Uni A", {"py": 1.0, "sql": 0.8}),
        credential("a2", "Software testing", "Uni A", {"test": 1.0, "git": 0.5}),
        credential("a3", "Intro to Python", "Uni A", {"py": 0.9}),
        credential("b1", "Programming with Python", "Uni B", {"py": 1.0, "sql": 1.0, "team": 0.6}),
        credential("b2", "Wound care", "Uni B", {"care": 1.0}),
    ]


# -- coverage on the tiny taxonomy ------------------------------------------------------------


def test_coverage_of_one_institution_by_hand(offer, tiny: Taxonomy) -> None:
    report = offer_coverage(offer, tiny, institution="Uni A")
    assert (report.institution, report.credentials) == ("Uni A", 3)
    # Python is taught twice (a1, a3); most taught first, then by label.
    assert list(report.skills.items()) == [(S + "py", 2), (S + "sql", 1), (S + "test", 1), (S + "git", 1)]
    # Version control counts under both its groups and both its pillars.
    assert report.skill_groups == {"information and communication technologies": 3, "working with computers": 2}
    assert report.pillars == {"knowledge": 3, "skills": 2}

    # Credit is the best confidence: Python 1.0 (a1 beats a3's 0.9), SQL 0.8, tests 1.0, git 0.5.
    dev = (E * (1.0 + 0.8 + 1.0) + O * 0.5) / (3 * E + 2 * O)
    web = E * 1.0 / (E + O)
    trainer = E * 1.0 / (2 * E + O)
    assert [(o.label, o.coverage) for o in report.occupations] == [
        ("software developer", pytest.approx(dev)), ("web developer", pytest.approx(web)),
        ("IT trainer", pytest.approx(trainer))]
    assert report.occupations[0].coverage == pytest.approx(2.95 / 3.6)  # with E = 1, O = 0.3
    first, _, last = report.occupations
    assert (first.essential_covered, first.essential_total, first.missing_essential) == (3, 3, ())
    assert (last.essential_covered, last.essential_total) == (1, 2)
    assert last.missing_essential == ((S + "teach", "teach programming"),)

    # Every sector's occupations, lowest coverage first, with what they miss.
    gaps = report.sector_gaps
    assert list(gaps) == list(SECTORS)
    assert [o.label for o in gaps["ict"]] == ["web developer", "software developer"]
    assert gaps["health care"] == (OccupationCoverage(
        OCC + "nurse", "nurse", 0, 3, 0.0,
        ((S + "hyg", "apply hygiene standards"), (S + "care", "provide wound care"), (S + "team", "work in teams"))),)
    assert [o.label for o in gaps["education"]] == ["IT trainer"]
    assert gaps["technical trades"][0].missing_essential == ((S + "wire", "install electrical wiring"),)


def test_coverage_of_the_whole_offer_threshold_and_chosen_occupations(offer, tiny: Taxonomy) -> None:
    report = offer_coverage(offer, tiny, sectors=["health care"], occupations=[OCC + "nurse", OCC + "dev"])
    assert report.institution is None and report.credentials == 5
    assert report.skills[S + "py"] == 3 and report.skills[S + "team"] == 1
    assert report.pillars == {"knowledge": 3, "skills": 3, "transversal skills and competences": 1}
    assert list(report.sector_gaps) == ["health care"]
    # Wound care and teamwork (0.6) are taught now; hygiene is still missing.
    nurse = report.sector_gaps["health care"][0]
    assert (nurse.essential_covered, nurse.coverage) == (2, pytest.approx((1.0 + 0.6) / 3))
    assert nurse.missing_essential == ((S + "hyg", "apply hygiene standards"),)
    # Chosen occupations come lowest first too; SQL's credit is now b1's 1.0 and teamwork adds 0.6.
    assert [o.label for o in report.chosen] == ["nurse", "software developer"]
    assert report.chosen[1].coverage == pytest.approx((3 * E + O * (0.5 + 0.6)) / (3 * E + 2 * O))

    # Below min_confidence a skill is not taught: SQL (0.8) and version control (0.5) drop out.
    strict = offer_coverage(offer, tiny, institution="Uni A", min_confidence=0.85, sectors=())
    assert set(strict.skills) == {S + "py", S + "test"} and strict.sector_gaps == {}
    dev = next(o for o in strict.occupations if o.label == "software developer")
    assert dev.coverage == pytest.approx(2 * E / (3 * E + 2 * O))
    assert dev.missing_essential == ((S + "sql", "SQL"),)
    hygiene = {"uri": S + "hyg", "label": "apply hygiene standards"}
    assert report.to_dict()["chosen"][0]["missing_essential"] == [hygiene]


def test_empty_offer_covers_nothing(tiny: Taxonomy) -> None:
    report = offer_coverage([], tiny)
    assert report.credentials == 0 and report.skills == {} and report.occupations == ()
    assert report.sector_gaps["ict"][0].coverage == 0.0 and len(report.sector_gaps["ict"]) == 2


# -- overlap ----------------------------------------------------------------------------------


def test_overlap_across_institutions_by_hand(offer, tiny: Taxonomy) -> None:
    pairs = overlap(offer, tiny)
    # a1 & b1: Σmin = 1.0 + 0.8, Σmax = 1.0 + 1.0 + 0.6; a3 & b1: 0.9 / (1.0 + 1.0 + 0.6).
    assert [(p.a, p.b, p.similarity) for p in pairs] == [
        ("a1", "b1", pytest.approx(1.8 / 2.6)), ("a3", "b1", pytest.approx(0.9 / 2.6))]
    best = pairs[0]
    assert (best.a_title, best.b_title, best.a_issuer, best.b_issuer) == (
        "Python basics", "Programming with Python", "Uni A", "Uni B")
    assert best.shared == ((S + "py", "Python (computer programming)"), (S + "sql", "SQL"))
    assert best.reason == ("both teach 2 of the 3 skills either teaches ('Python (computer programming)', 'SQL'); "
                           "weighted Jaccard 0.69")
    assert pairs[1].reason == ("both teach 1 of the 3 skills either teaches ('Python (computer programming)'); "
                               "weighted Jaccard 0.35")


def test_overlap_within_an_institution_and_at_the_threshold(offer, tiny: Taxonomy) -> None:
    pairs = overlap(offer, tiny, across_institutions=False)
    assert [(p.a, p.b) for p in pairs] == [("a1", "b1"), ("a1", "a3"), ("a3", "b1")]
    # a1 & a3 is 0.9 / 1.8 = 0.5, computed in floats as a hair below: the threshold still keeps it.
    assert [(p.a, p.b) for p in overlap(offer, tiny, min_similarity=0.5, across_institutions=False)] == [
        ("a1", "b1"), ("a1", "a3")]
    assert overlap(offer, tiny, min_similarity=1.0) == []
    same = [credential("x", "Python", None, {"py": 0.7}), credential("y", "Python too", None, {"py": 0.7})]
    # Unnamed issuers may be anyone, so the pair counts as across institutions.
    [pair] = overlap(same, tiny)
    assert pair.similarity == pytest.approx(1.0) and pair.to_dict()["shared"][0]["label"].startswith("Python")


# -- bad input --------------------------------------------------------------------------------


def test_unknown_sector_names_the_sectors(offer, tiny: Taxonomy) -> None:
    with pytest.raises(InputError) as info:
        offer_coverage(offer, tiny, sectors=["ict", "farming"])
    assert str(info.value) == ("unknown sector(s): 'farming'; "
                               "the sectors are 'ict', 'health care', 'education', 'technical trades'")


def test_bad_input(offer, tiny: Taxonomy) -> None:
    with pytest.raises(UnknownConceptError):
        offer_coverage(offer, tiny, occupations=[OCC + "astronaut"])
    with pytest.raises(InputError, match="is an ESCO skill .* not an occupation"):
        offer_coverage(offer, tiny, occupations=[S + "py"])
    with pytest.raises(InputError, match="no credential of the offer is issued by 'Uni C'; its issuers are 'Uni A', "
                                         "'Uni B'"):
        offer_coverage(offer, tiny, institution="Uni C")
    with pytest.raises(UnknownConceptError):
        offer_coverage([credential("z", "Lost", "Uni A", {"gone": 1.0})], tiny)
    with pytest.raises(InputError, match="min_confidence"):
        offer_coverage(offer, tiny, min_confidence=1.5)
    with pytest.raises(InputError, match="min_similarity"):
        overlap(offer, tiny, min_similarity=0.0)


# -- real ESCO --------------------------------------------------------------------------------


def test_offer_teaching_a_software_developer_covers_it_best(esco_matcher: Matcher) -> None:
    taxonomy = esco_matcher.taxonomy
    left_out = {"create flowchart diagram", "use software design patterns"}
    essential = [s for s in taxonomy.skills_of(SOFTWARE_DEVELOPER, "essential") if s.label() not in left_out]
    optional = taxonomy.skills_of(SOFTWARE_DEVELOPER, "optional")
    assert len(essential) == 22 and len(optional) == 80

    def teaches(id_: str, title: str, skills: list[Concept]) -> OfferedCredential:
        return OfferedCredential(id=id_, title=title, issuer="Hogeschool Deltastad", country="NL", eqf_level=6,
                                 ects=5.0, hours=None, language="en", format="openbadges3", stackable=True,
                                 prerequisites=None, skills={s.uri: 1.0 for s in skills})

    offer = [teaches("se1", "Software engineering 1", essential[:11]),
             teaches("se2", "Software engineering 2", essential[11:]),
             teaches("lang", "Programming languages and tools", optional)]
    report = offer_coverage(offer, taxonomy, institution="Hogeschool Deltastad", top=5)
    best = report.occupations[0]
    assert best.label == "software developer"
    assert (best.essential_covered, best.essential_total) == (22, 24)
    assert best.coverage == pytest.approx((22 * E + 80 * O) / (24 * E + 80 * O))
    assert all(o.coverage < best.coverage for o in report.occupations[1:])
    assert report.pillars["knowledge"] > 0 and report.skill_groups["working with computers"] > 0

    ict = {o.occupation: o for o in report.sector_gaps["ict"]}
    assert len(ict) == 107
    assert [label for _, label in ict[SOFTWARE_DEVELOPER].missing_essential] == sorted(left_out)
    assert report.sector_gaps["ict"][-1].occupation == SOFTWARE_DEVELOPER
    # Every sector occupation says which essentials it lacks, unless the offer teaches them all.
    assert all(o.missing_essential or o.essential_total == o.essential_covered for o in ict.values())
