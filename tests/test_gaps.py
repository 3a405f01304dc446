"""Gap to an occupation and occupation fit: hand-checked numbers on a tiny taxonomy, then real ESCO."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from skillmatch.config import Settings
from skillmatch.domain import Evidence, HeldSkill, OfferedCredential, Passport, PassportSkill, profile_from_passport
from skillmatch.errors import InputError, UnknownConceptError
from skillmatch.gaps import (
    ESSENTIAL_WEIGHT,
    OPTIONAL_WEIGHT,
    PARTIAL_CREDIT,
    Fit,
    Gap,
    occupation_fit,
    occupation_gap,
    occupation_matrix,
    prepare,
    profile_from_skills,
    skill_links,
)
from skillmatch.taxonomy import (
    Concept,
    ConceptKind,
    OccupationSkill,
    SkillRelation,
    Taxonomy,
    build_taxonomy,
    load_taxonomy,
)
from tests.conftest import ESCO, OCC, S, require_esco

VISUALISATION = "Data Visualisation (Hogeschool Deltastad): issuer-asserted"


def skill(key: str, label: str, *broader: str) -> Concept:
    return Concept(S + key, ConceptKind.SKILL, preferred={"en": label}, broader=tuple(S + b for b in broader))


def credential(id_: str, title: str, skills: dict[str, float]) -> OfferedCredential:
    return OfferedCredential(id=id_, title=title, issuer="Hogeschool Deltastad", country="NL", eqf_level=6,
                             ects=5.0, hours=None, language="en", format="openbadges3", stackable=True,
                             prerequisites=None, skills=skills)


@pytest.fixture(scope="module")
def tiny() -> Taxonomy:
    """Three occupations over a few skills with every kind of link the gap follows:
    Python is narrower than programming (and Django narrower than Python, two steps below
    programming); machine learning is broader than deep learning; statistics is related to applying
    statistical techniques and, weaker than Python's link, to programming; SQL is narrower than
    query languages. The "ICT" skill group above programming is not a skill and gives no credit."""
    concepts = [
        Concept(S + "ict", ConceptKind.SKILL_GROUP, preferred={"en": "ICT"}),
        skill("prog", "computer programming", "ict"),
        skill("py", "Python (computer programming)", "prog"),
        skill("django", "Django", "py"),
        skill("ml", "machine learning"),
        skill("dl", "deep learning", "ml"),
        skill("stats", "statistics"),
        skill("apply", "apply statistical analysis techniques"),
        skill("ql", "query languages"),
        skill("sql", "SQL", "ql"),
        skill("team", "work in teams"),
        skill("care", "provide wound care"),
        Concept(OCC + "dev", ConceptKind.OCCUPATION, preferred={"en": "software developer"}),
        Concept(OCC + "web", ConceptKind.OCCUPATION, preferred={"en": "web developer"}),
        Concept(OCC + "eng", ConceptKind.OCCUPATION, preferred={"en": "data engineer"}),
    ]
    needs = [("dev", "prog", "essential"), ("dev", "dl", "essential"), ("dev", "apply", "essential"),
             ("dev", "sql", "essential"), ("dev", "team", "optional"), ("dev", "ql", "optional"),
             ("web", "py", "essential"), ("web", "prog", "essential"),
             ("eng", "sql", "essential"), ("eng", "ql", "essential"), ("eng", "stats", "optional")]
    return Taxonomy(
        concepts,
        occupation_skills=[OccupationSkill(OCC + o, S + s, r) for o, s, r in needs],
        skill_relations=[SkillRelation(S + "apply", S + "stats", "essential"),
                         SkillRelation(S + "stats", S + "prog", "optional")],
    )


@pytest.fixture
def learner(tiny: Taxonomy) -> dict[str, HeldSkill]:
    profile = profile_from_skills({S + "py": 1.0, S + "ml": 0.9, S + "stats": 1.0}, tiny)
    profile |= profile_from_skills({S + "team": 1.0}, tiny, evidence=VISUALISATION)
    return profile


# -- gap on the tiny taxonomy -----------------------------------------------------------------


def test_gap_statuses_credits_and_reasons_by_hand(learner, tiny: Taxonomy) -> None:
    gap = occupation_gap(learner, OCC + "dev", tiny)
    assert isinstance(gap, Gap) and gap.label == "software developer"
    by_uri = {g.uri: g for g in gap.skills}
    prog, dl, apply, sql, team, ql = (by_uri[S + k] for k in ("prog", "dl", "apply", "sql", "team", "ql"))

    # Python's narrower link (0.75) beats statistics' relation to programming (0.3): the best link counts.
    assert (prog.status, prog.credit, prog.via, prog.via_kind) == ("partial", 0.75, S + "py", "narrower")
    assert prog.reason == "you hold 'Python (computer programming)', a narrower skill of 'computer programming'"
    assert (dl.status, dl.credit, dl.via, dl.via_kind) == ("partial", 0.4, S + "ml", "broader")
    assert dl.reason == "you hold 'machine learning', a broader skill than 'deep learning'"
    assert (apply.status, apply.credit, apply.via, apply.via_kind) == ("partial", 0.3, S + "stats", "related")
    assert apply.reason == "you hold 'statistics', a skill ESCO relates to 'apply statistical analysis techniques'"
    # A held skill earns full credit whatever its confidence, and the held one's evidence explains it.
    assert (team.status, team.credit, team.via, team.evidence) == ("held", 1.0, None, (VISUALISATION,))
    assert team.reason == f"proven by {VISUALISATION}"
    for missing in (sql, ql):
        assert (missing.status, missing.credit, missing.via) == ("missing", 0.0, None)
        assert missing.reason == "no credential proves it or a related skill"

    # Essential first; held, then partial by credit, then missing.
    assert [g.uri for g in gap.skills] == [S + k for k in ("prog", "dl", "apply", "sql", "team", "ql")]
    assert [g.relation for g in gap.skills] == ["essential"] * 4 + ["optional"] * 2
    assert gap.held == [team] and gap.partial == [prog, dl, apply]
    assert gap.missing == [sql, ql] and gap.missing_essential == [sql]

    # essential: 0.75 + 0.4 + 0.3 + 0 over 4; optional at 0.3: team 1, query languages 0.
    assert gap.essential_coverage == pytest.approx(1.45 / 4)
    assert gap.coverage == pytest.approx((1.45 + 0.3 * 1.0) / (4 + 0.3 * 2))
    assert gap.to_dict()["coverage"] == round(1.75 / 4.6, 4)
    assert gap.to_dict()["skills"][0] == {
        "uri": S + "prog", "label": "computer programming", "relation": "essential", "status": "partial",
        "credit": 0.75, "via": S + "py", "via_kind": "narrower",
        "reason": "you hold 'Python (computer programming)', a narrower skill of 'computer programming'",
        "evidence": []}
    assert ESSENTIAL_WEIGHT > OPTIONAL_WEIGHT
    assert PARTIAL_CREDIT["narrower"] > PARTIAL_CREDIT["broader"] > PARTIAL_CREDIT["related"]


def test_credit_follows_one_step_of_the_hierarchy_only(tiny: Taxonomy) -> None:
    profile = profile_from_skills({S + "django": 1.0}, tiny)
    gap = occupation_gap(profile, OCC + "web", tiny)
    python, programming = gap.skills
    assert (python.uri, python.status, python.via, python.via_kind) == (S + "py", "partial", S + "django", "narrower")
    assert python.reason == "you hold 'Django', a narrower skill of 'Python (computer programming)'"
    # Two steps below programming, and the skill group above it is not a skill: no credit.
    assert (programming.uri, programming.status) == (S + "prog", "missing")
    assert gap.coverage == pytest.approx(0.75 / 2) and gap.essential_coverage == pytest.approx(0.75 / 2)


def test_adding_a_skill_raises_coverage(learner, tiny: Taxonomy) -> None:
    before = occupation_gap(learner, OCC + "dev", tiny)
    after = occupation_gap(learner | profile_from_skills({S + "sql": 1.0}, tiny), OCC + "dev", tiny)
    # SQL itself is held, and as a narrower skill of query languages it lifts that optional one too.
    assert after.coverage == pytest.approx((1.45 + 1.0 + 0.3 * (1.0 + 0.75)) / 4.6)
    assert after.coverage > before.coverage
    assert {g.uri: g.status for g in after.skills}[S + "ql"] == "partial"


def test_profile_from_passport_keeps_proven_skills_with_readable_evidence(tiny: Taxonomy) -> None:
    def evidence(state: str, *, confidence: float | None = None, outcome: str | None = None,
                 issuer: str | None = "Hogeschool Deltastad") -> Evidence:
        return Evidence(credential_id="urn:c:1", credential="Data Visualisation", issuer=issuer,
                        origin="issuer" if state == "issuer" else "inferred", state=state, confidence=confidence,
                        outcome=outcome, matched=None, reviewed="confirmed" if state == "confirmed" else None,
                        verified=True, issued_on=None)

    skills = (
        PassportSkill(S + "team", "work in teams", "skills", None, (evidence("issuer"),)),
        PassportSkill(S + "py", "Python (computer programming)", "knowledge", None, (
            evidence("linked", confidence=0.714, outcome="The student programs analyses in Python."),
            evidence("confirmed", issuer=None), evidence("suggested", confidence=0.4))),
        PassportSkill(S + "care", "provide wound care", "skills", None, (evidence("suggested", confidence=0.5),)),
        PassportSkill(S + "stats", "statistics", "knowledge", None, (
            evidence("linked", confidence=0.66, outcome="Describes data with " + "summary statistics, " * 5),
            evidence("linked"))),
    )
    passport = Passport(learner="Ada", credentials=(), skills=skills, generated_at=datetime.now(UTC))
    profile = profile_from_passport(passport)
    assert set(profile) == {S + "team", S + "py", S + "stats"}  # a suggestion is not proof
    assert profile[S + "team"] == HeldSkill(S + "team", "work in teams", 1.0, (VISUALISATION,))
    assert profile[S + "py"].evidence == (
        "Data Visualisation (Hogeschool Deltastad): matched to 'The student programs analyses in Python.' "
        "(confidence 0.71)",
        "Data Visualisation: confirmed by the institution",
    )
    assert profile[S + "stats"].evidence == (
        "Data Visualisation (Hogeschool Deltastad): matched to 'Describes data with summary statistics, summary "
        "statistics, summary...' (confidence 0.66)",
        "Data Visualisation (Hogeschool Deltastad): matched by skillmatch",
    )
    held = occupation_gap(profile, OCC + "web", tiny).skills[0]
    assert held.reason == "proven by " + "; ".join(profile[S + "py"].evidence)


# -- fit on the tiny taxonomy -----------------------------------------------------------------


def test_fit_ranks_by_coverage_and_agrees_with_the_gap(learner, tiny: Taxonomy) -> None:
    now, reachable = occupation_fit(learner, tiny)
    assert [f.occupation for f in now] == [OCC + "web", OCC + "dev", OCC + "eng"] and reachable == []
    for fit in now:
        gap = occupation_gap(learner, fit.occupation, tiny)
        assert fit.coverage == pytest.approx(gap.coverage)
        assert fit.essential_coverage == pytest.approx(gap.essential_coverage)
        assert (fit.held, fit.partial, fit.missing_essential) == (len(gap.held), len(gap.partial),
                                                                 len(gap.missing_essential))
        assert fit.via == () and fit.coverage_after is None
    web, dev, eng = now
    assert web.coverage == pytest.approx(1.75 / 2)
    assert web.reason == "holds 1 of 2 essential skills and 1 more partly; coverage 0.88"
    assert dev.reason == "holds 0 of 4 essential skills and 3 more partly; coverage 0.38"
    assert eng.reason == "holds 0 of 2 essential skills; coverage 0.13"
    assert occupation_fit(learner, tiny, top=1)[0] == [web]


def test_reachable_occupations_greedy_by_hand(learner, tiny: Taxonomy) -> None:
    offer = [credential("c-care", "Wound care", {S + "care": 1.0}),
             credential("c-sql", "SQL basics", {S + "sql": 1.0}),
             credential("c-ql", "Query languages", {S + "ql": 0.9})]
    now, reachable = occupation_fit(learner, tiny, offer=offer, top=1)
    # The web developer's profile gains nothing from this offer.
    assert [(f.occupation, f.via, f.coverage_after) for f in now] == [(OCC + "web", (), pytest.approx(0.875))]
    # Data engineer, 0.3/2.3 now: SQL gives SQL 1 and, as its narrower skill, query languages 0.75;
    # the query-languages credential then adds 0.9 - 0.75 (its skill counted at its confidence).
    # The software developer reaches only (1.45 + 1 + 0.3 * 1.75) / 4.6 = 0.65, below the web developer.
    [eng] = reachable
    assert isinstance(eng, Fit) and eng.occupation == OCC + "eng"
    assert eng.via == ("c-sql", "c-ql")
    assert eng.coverage == pytest.approx(0.3 / 2.3) and eng.coverage_after == pytest.approx(2.2 / 2.3)
    assert eng.reason == ("holds 0 of 2 essential skills; coverage 0.13; two credentials away: 'SQL basics' and "
                          "'Query languages' would raise coverage from 0.13 to 0.96")
    assert eng.to_dict()["via"] == ["c-sql", "c-ql"]

    [eng] = occupation_fit(learner, tiny, offer=offer, top=1, steps=1)[1]
    assert eng.via == ("c-sql",) and eng.coverage_after == pytest.approx(2.05 / 2.3)
    assert eng.reason.endswith("one credential away: 'SQL basics' would raise coverage from 0.13 to 0.89")
    assert occupation_fit(learner, tiny, offer=offer, top=1, steps=0)[1] == []


# -- bad input --------------------------------------------------------------------------------


def test_bad_input(learner, tiny: Taxonomy) -> None:
    with pytest.raises(UnknownConceptError):
        occupation_gap(learner, OCC + "nobody", tiny)
    with pytest.raises(InputError, match="not an occupation"):
        occupation_gap(learner, S + "py", tiny)
    with pytest.raises(UnknownConceptError):
        profile_from_skills({S + "nothing": 1.0}, tiny)
    with pytest.raises(InputError, match="not a skill"):
        profile_from_skills({OCC + "dev": 1.0}, tiny)
    with pytest.raises(InputError, match=r"must lie in \[0, 1\]"):
        profile_from_skills({S + "py": 1.5}, tiny)
    with pytest.raises(InputError, match="top"):
        occupation_fit(learner, tiny, top=0)
    with pytest.raises(InputError, match="steps"):
        occupation_fit(learner, tiny, steps=-1)


def test_empty_profile(tiny: Taxonomy) -> None:
    gap = occupation_gap({}, OCC + "dev", tiny)
    assert gap.coverage == 0.0 and gap.essential_coverage == 0.0
    assert gap.held == [] and gap.partial == [] and len(gap.missing) == len(gap.skills) == 6
    assert {g.reason for g in gap.skills} == {"no credential proves it or a related skill"}
    assert occupation_fit({}, tiny) == ([], [])
    # With nothing held, every occupation an offered credential touches is reachable.
    _, reachable = occupation_fit({}, tiny, offer=[credential("c-sql", "SQL basics", {S + "sql": 1.0})])
    assert [(f.occupation, f.via) for f in reachable] == [(OCC + "eng", ("c-sql",)), (OCC + "dev", ("c-sql",))]


# -- real ESCO --------------------------------------------------------------------------------

DATA_ANALYST = "http://data.europa.eu/esco/occupation/d3edb8f8-3a06-47a0-8fb9-9b212c006aa2"
DATA_SCIENTIST = "http://data.europa.eu/esco/occupation/258e46f9-0075-4a2e-adae-1ff0477e0f30"
STATISTICS = "http://data.europa.eu/esco/skill/7ee4c2ea-b349-4bd2-81a3-ec31475d4833"
DATA_MINING = "http://data.europa.eu/esco/skill/25f0ea33-b4a2-4f31-b7b4-7d20e827b180"
BUSINESS_INTELLIGENCE = "http://data.europa.eu/esco/skill/143769cb-b61e-47d8-a61e-eedfbec1016c"
QUERY_LANGUAGES = "http://data.europa.eu/esco/skill/9cf681c7-89ec-470c-b651-7fe03786f586"
SQL = "http://data.europa.eu/esco/skill/598de5b0-5b58-4ea7-8058-a4bc4d18c742"
PERFORM_DATA_MINING = "http://data.europa.eu/esco/skill/4216e465-7baa-4884-a241-54b197bb9278"
USE_DATABASES = "http://data.europa.eu/esco/skill/4463a721-69f3-413d-8321-43e3af13a4f1"


@pytest.fixture(scope="module")
def esco() -> Taxonomy:
    """The full ESCO v1.1.1 taxonomy (en + nl) from the data directory, built there if needed."""
    require_esco()
    data_dir = Settings().data_dir
    return load_taxonomy(build_taxonomy([ESCO], data_dir).path)


def test_data_analyst_gap_on_real_esco(esco: Taxonomy) -> None:
    labels = {STATISTICS: "statistics", DATA_MINING: "data mining", BUSINESS_INTELLIGENCE: "business intelligence",
              QUERY_LANGUAGES: "query languages", SQL: "SQL", PERFORM_DATA_MINING: "perform data mining",
              USE_DATABASES: "use databases", DATA_ANALYST: "data analyst"}
    assert {uri: esco.get(uri).label() for uri in labels} == labels
    profile = profile_from_skills({STATISTICS: 1.0, DATA_MINING: 1.0, BUSINESS_INTELLIGENCE: 1.0, SQL: 0.8},
                                  esco, evidence="Data Analytics (Hogeschool Deltastad): issuer-asserted")
    gap = occupation_gap(profile, DATA_ANALYST, esco)
    by_uri = {g.uri: g for g in gap.skills}
    assert len(gap.skills) == 52 and sum(g.relation == "essential" for g in gap.skills) == 30
    assert {g.uri for g in gap.held} == {STATISTICS, DATA_MINING, BUSINESS_INTELLIGENCE}
    assert by_uri[STATISTICS].reason == "proven by Data Analytics (Hogeschool Deltastad): issuer-asserted"
    query = by_uri[QUERY_LANGUAGES]
    assert (query.relation, query.status, query.via, query.via_kind) == ("essential", "partial", SQL, "narrower")
    assert query.reason == "you hold 'SQL', a narrower skill of 'query languages'"
    assert query.evidence == ("Data Analytics (Hogeschool Deltastad): issuer-asserted",)
    mining = by_uri[PERFORM_DATA_MINING]
    assert (mining.status, mining.via, mining.via_kind) == ("partial", DATA_MINING, "related")
    assert mining.reason == "you hold 'data mining', a skill ESCO relates to 'perform data mining'"
    assert by_uri[USE_DATABASES].status == "missing"
    assert gap.missing_essential[0].relation == "essential" and gap.missing[-1].relation == "optional"
    expected = sum((ESSENTIAL_WEIGHT if g.relation == "essential" else OPTIONAL_WEIGHT) * g.credit for g in gap.skills)
    assert gap.coverage == pytest.approx(expected / (30 * ESSENTIAL_WEIGHT + 22 * OPTIONAL_WEIGHT))

    more = occupation_gap(profile | profile_from_skills({USE_DATABASES: 1.0}, esco), DATA_ANALYST, esco)
    assert more.coverage > gap.coverage and more.essential_coverage > gap.essential_coverage
    assert {g.uri: g.status for g in more.skills}[USE_DATABASES] == "held"


def test_fit_on_real_esco(esco: Taxonomy) -> None:
    essentials = [s.uri for s in esco.skills_of(DATA_ANALYST, "essential")]
    profile = profile_from_skills(dict.fromkeys(essentials, 1.0), esco)
    assert occupation_matrix(esco) is occupation_matrix(esco)  # built once per taxonomy, kept while it lives
    started = time.perf_counter()
    now, reachable = occupation_fit(profile, esco)
    assert time.perf_counter() - started < 1.0
    assert now[0].occupation == DATA_ANALYST and reachable == []
    assert now[0].reason == f"holds {len(essentials)} of {len(essentials)} essential skills; " \
                            f"coverage {now[0].coverage:.2f}"
    assert now[0].coverage == pytest.approx(occupation_gap(profile, DATA_ANALYST, esco).coverage)
    assert len(now) == 20 and [f.coverage for f in now] == sorted((f.coverage for f in now), reverse=True)

    remaining = [s.uri for s in esco.skills_of(DATA_SCIENTIST, "essential") if s.uri not in profile]
    half = len(remaining) // 2
    offer = [credential("urn:ds-1", "Machine Learning in Practice", dict.fromkeys(remaining[:half], 1.0)),
             credential("urn:ds-2", "Research Methods for Data", dict.fromkeys(remaining[half:], 1.0)),
             credential("urn:care", "Wound Care", {esco.skills_of(DATA_ANALYST)[0].uri: 0.2})]
    started = time.perf_counter()
    now, reachable = occupation_fit(profile, esco, offer=offer, top=5)
    assert time.perf_counter() - started < 1.0
    assert DATA_SCIENTIST not in {f.occupation for f in now}
    scientist = next(f for f in reachable if f.occupation == DATA_SCIENTIST)
    assert set(scientist.via) == {"urn:ds-1", "urn:ds-2"}
    assert scientist.essential_coverage < 1.0 and scientist.coverage_after > now[-1].coverage
    assert "two credentials away: " in scientist.reason and "'Machine Learning in Practice'" in scientist.reason
    assert scientist.reason.endswith(f"would raise coverage from {scientist.coverage:.2f} to "
                                     f"{scientist.coverage_after:.2f}")
    assert [f.coverage_after for f in reachable] == sorted((f.coverage_after for f in reachable), reverse=True)


def test_prepare_builds_what_every_gap_reads(learner, tiny: Taxonomy) -> None:
    """What a service builds once its taxonomy has loaded, so that no first gap waits for it: the
    occupation profiles and the skill links; a gap after it is the gap without it."""
    import skillmatch.gaps

    fresh = Taxonomy(list(tiny.concepts.values()), occupation_skills=tiny.occupation_skills,
                     skill_relations=tiny.skill_relations)
    assert "_profiles" not in vars(fresh) and fresh not in skillmatch.gaps._LINKS
    prepare(fresh)
    assert "_profiles" in vars(fresh) and skillmatch.gaps._LINKS[fresh] is skill_links(fresh)
    assert occupation_gap(learner, OCC + "dev", fresh) == occupation_gap(learner, OCC + "dev", tiny)
