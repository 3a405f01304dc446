"""Next credentials and pathways: hand-checked greedy covers on a tiny taxonomy, each constraint and
preference, then a real ESCO occupation."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from skillmatch.config import Settings
from skillmatch.domain import OfferedCredential
from skillmatch.errors import InputError
from skillmatch.gaps import ESSENTIAL_WEIGHT, OPTIONAL_WEIGHT, PARTIAL_CREDIT, occupation_gap, profile_from_skills
from skillmatch.recommend import Constraints, pathway, recommend
from skillmatch.taxonomy import Concept, ConceptKind, OccupationSkill, Taxonomy, build_taxonomy, load_taxonomy
from tests.conftest import ESCO, OCC, S, require_esco

INSTALLER = OCC + "installer"
# Four essential and two optional skills: the whole profile weighs 4 x 1 + 2 x 0.3.
TOTAL = 4 * ESSENTIAL_WEIGHT + 2 * OPTIONAL_WEIGHT


def skill(key: str, label: str, *broader: str) -> Concept:
    return Concept(S + key, ConceptKind.SKILL, preferred={"en": label}, broader=tuple(S + b for b in broader))


@pytest.fixture(scope="module")
def tiny() -> Taxonomy:
    """A solar installer who needs four essential skills (heights, roof, inverters, panels) and two
    optional ones (grid, advice); "mounting rails" is narrower than "install solar panels"; a nurse
    needs wound care, which no credential below teaches."""
    concepts = [
        skill("heights", "work safely at heights"),
        skill("roof", "assess roof structure"),
        skill("inverter", "connect inverters"),
        skill("panels", "install solar panels"),
        skill("rails", "install mounting rails", "panels"),
        skill("grid", "explain grid connection"),
        skill("advice", "advise customers on energy"),
        skill("care", "provide wound care"),
        Concept(INSTALLER, ConceptKind.OCCUPATION, preferred={"en": "solar installer"}),
        Concept(OCC + "nurse", ConceptKind.OCCUPATION, preferred={"en": "nurse"}),
    ]
    needs = [("installer", "heights", "essential"), ("installer", "roof", "essential"),
             ("installer", "inverter", "essential"), ("installer", "panels", "essential"),
             ("installer", "grid", "optional"), ("installer", "advice", "optional"), ("nurse", "care", "essential")]
    return Taxonomy(concepts, occupation_skills=[OccupationSkill(OCC + o, S + s, r) for o, s, r in needs])


def offered(id_: str, title: str, skills: dict[str, float] | list[str], *, ects: float | None = 3.0,
            eqf: int | None = None, stackable: bool | None = False, **facts) -> OfferedCredential:
    """A synthetic catalogue credential; skills are keys under ``S`` (a list means confidence 1)."""
    confidences = dict.fromkeys(skills, 1.0) if isinstance(skills, list) else skills
    base = dict(id=id_, title=title, issuer="Hogeschool Zuid", country="NL", eqf_level=eqf, ects=ects, hours=None,
                language="nl", format="openbadges3", stackable=stackable, prerequisites=None,
                skills={S + key: c for key, c in confidences.items()})
    return OfferedCredential(**{**base, **facts})


OFFER = [
    offered("a", "PV fundamentals", ["heights", "roof", "inverter"], ects=6),
    offered("b", "Roof safety", ["heights", "roof"], ects=2),
    offered("c", "Inverters", ["inverter", "panels"], ects=3),
    offered("d", "Grid basics", ["panels", "grid"], ects=4),
    offered("f", "Solar marketing", ["grid", "advice"], ects=1),
]


def test_greedy_cover_by_hand(tiny: Taxonomy) -> None:
    """Per ECTS, "Roof safety" (2 essential skills for 2 ECTS) beats "Inverters" (2 for 3) and "PV
    fundamentals" (3 for 6); once it is taken "Inverters" covers the last two essential skills,
    and the optional ones come last. Roof safety + Inverters (5 ECTS) is the cheapest cover of
    the essential skills; PV fundamentals and Grid basics then add nothing."""
    plan = recommend({}, INSTALLER, OFFER, tiny)
    assert [r.credential.id for r in plan.recommendations] == ["b", "c", "f"]
    assert [r.gain for r in plan.recommendations] == pytest.approx([2 / TOTAL, 2 / TOTAL, 0.6 / TOTAL])
    assert [r.coverage_before for r in plan.recommendations] == pytest.approx([0, 2 / TOTAL, 4 / TOTAL])
    assert [r.coverage_after for r in plan.recommendations] == pytest.approx([2 / TOTAL, 4 / TOTAL, 1.0])
    assert [r.remaining_essential for r in plan.recommendations] == [2, 0, 0]
    assert [r.score for r in plan.recommendations] == pytest.approx([2 / TOTAL / 2, 2 / TOTAL / 3, 0.6 / TOTAL])
    assert plan.coverage_after == pytest.approx(1.0) and plan.ects == 6
    roof, inverters, marketing = plan.recommendations
    assert roof.reasons == (
        "covers 2 missing essential skills: assess roof structure, work safely at heights",
        "after it 57% of the gap remains (2 essential skills missing)",
        "ranks above 'Inverters' because it covers as much for fewer ECTS (2 against 3)",
    )
    assert inverters.reasons == (
        "covers 2 missing essential skills: connect inverters, install solar panels",
        "after it 13% of the gap remains (no essential skill missing)",
        "ranks above 'Grid basics' because it covers 1 more essential skill for fewer ECTS (3 against 4)",
    )
    assert marketing.reasons == (
        "covers 2 missing optional skills: advise customers on energy, explain grid connection",
        "after it 0% of the gap remains (no essential skill missing)",
        "ranks above 'Grid basics' because it covers 1 more optional skill for fewer ECTS (1 against 4)",
    )
    assert [(s.label, s.status, s.credit, s.via, s.reason) for s in roof.covers] == [
        ("assess roof structure", "held", 1.0, None, "taught by 'Roof safety' (confidence 1.00)"),
        ("work safely at heights", "held", 1.0, None, "taught by 'Roof safety' (confidence 1.00)")]
    assert plan.excluded == (
        ("a", "adds nothing once 'Roof safety' and 'Inverters' are taken"),
        ("d", "adds nothing once 'Roof safety', 'Inverters' and 'Solar marketing' are taken"),
    )
    assert plan.summary == "3 credentials (6 ECTS) raise the coverage of solar installer from 0% to 100%; " \
                           "every essential skill is then at least partly covered"
    document = json.loads(json.dumps(plan.to_dict()))
    assert document["recommendations"][0]["credential"]["id"] == "b"
    assert document["excluded"][0] == {"id": "a", "reason": "adds nothing once 'Roof safety' and 'Inverters' are taken"}
    assert document["target"]["label"] == "solar installer"


def test_limit_and_essential_skills_first(tiny: Taxonomy) -> None:
    """A credential that teaches only optional skills waits for the essential ones, however cheap."""
    offer = [offered("f", "Solar marketing", ["grid", "advice"], ects=1),
             offered("h", "Working at heights", ["heights"], ects=10)]
    plan = recommend({}, INSTALLER, offer, tiny, limit=1)
    assert [r.credential.id for r in plan.recommendations] == ["h"]
    assert plan.recommendations[0].reasons[-1] == \
        "ranks above 'Solar marketing' because it covers essential skills and 'Solar marketing' only optional ones"
    assert plan.excluded == (("f", "beyond the limit of 1 recommendation"),)
    assert plan.summary.endswith("; 3 essential skills stay missing")
    with pytest.raises(InputError):
        recommend({}, INSTALLER, offer, tiny, limit=0)


def test_partial_credit_through_esco_links_and_confidence(tiny: Taxonomy) -> None:
    """A credential's skills count at its confidence, and through ESCO's links as the gap counts
    them: "install mounting rails" at 0.8 gives its broader "install solar panels" 0.8 x 0.75."""
    learner = profile_from_skills({S + "heights": 1.0}, tiny, evidence="Safety badge")
    mounting = offered("r", "Mounting", {"rails": 0.8, "roof": 0.5}, ects=2)
    alone = recommend(learner, INSTALLER, [mounting], tiny)
    assert alone.target.coverage == pytest.approx(1 / TOTAL)
    (first,) = alone.recommendations
    panels = 0.8 * PARTIAL_CREDIT["narrower"]
    assert [(s.label, s.status, s.credit, s.via, s.via_kind) for s in first.covers] == [
        ("install solar panels", "partial", pytest.approx(panels), S + "rails", "narrower"),
        ("assess roof structure", "partial", 0.5, None, None)]
    assert first.covers[0].reason == ("'Mounting' teaches 'install mounting rails' (confidence 0.80), "
                                      "a narrower skill of 'install solar panels'")
    assert first.reasons[:2] == (
        "covers 2 missing essential skills: install solar panels (partly), assess roof structure (partly)",
        "after it 69% of the gap remains (1 essential skill missing)")  # 1 - (1 + 0.6 + 0.5) / 4.6 of 1 - 1 / 4.6
    assert first.gain == pytest.approx((panels + 0.5) / TOTAL)
    # Inverters (2 skills for 3 ECTS) beats Mounting (1.1 for 2); Mounting then only adds to the roof.
    plan = recommend(learner, INSTALLER, [mounting, offered("c", "Inverters", ["inverter", "panels"])], tiny)
    assert [r.credential.id for r in plan.recommendations] == ["c", "r"]
    assert plan.recommendations[1].gain == pytest.approx(0.5 / TOTAL)
    assert [s.label for s in plan.recommendations[1].covers] == ["assess roof structure"]


def test_partly_held_skills_are_strengthened(tiny: Taxonomy) -> None:
    learner = profile_from_skills({S + "rails": 1.0}, tiny)
    plan = recommend(learner, INSTALLER, [offered("c", "Inverters", ["inverter", "panels"])], tiny)
    assert occupation_gap(learner, INSTALLER, tiny).partial[0].label == "install solar panels"
    (inverters,) = plan.recommendations
    assert inverters.reasons[:2] == ("covers 1 missing essential skill: connect inverters",
                                     "strengthens 1 partly covered essential skill: install solar panels")
    assert inverters.gain == pytest.approx((1 + 1 - PARTIAL_CREDIT["narrower"]) / TOTAL)


def test_each_constraint_excludes_with_its_reason(tiny: Taxonomy) -> None:
    base = dict(skills=["heights"], ects=3)
    offer = [
        offered("held", "Already mine", **base),
        offered("eqf7", "Master class", eqf=7, **base),
        offered("en", "English course", language="en", **base),
        offered("other", "Elsewhere", issuer="Other College", **base),
        offered("elm", "ELM credential", format="elm", **base),
        offered("big", "Big module", skills=["heights"], ects=12),
        offered("nlnl", "Dutch course", language="nl_NL", issuer="hogeschool zuid", eqf=6, **base),
    ]
    constraints = Constraints(max_ects=10, max_eqf=6, languages=frozenset({"nl"}),
                              institutions=frozenset({"Hogeschool Zuid"}), formats=frozenset({"openbadges3"}),
                              exclude=frozenset({"held"}))
    plan = recommend({}, INSTALLER, offer, tiny, constraints=constraints)
    assert dict(plan.excluded) == {
        "held": "already held",
        "eqf7": "EQF 7 above your maximum 6",
        "en": "language en not in nl",
        "other": "issuer Other College not among Hogeschool Zuid",
        "elm": "format elm not in openbadges3",
        "big": "over the ECTS budget (12 ECTS, budget 10)",
    }
    # "nl" matches "nl_NL", and institutions are compared without regard to case.
    assert [r.credential.id for r in plan.recommendations] == ["nlnl"]
    several = offered("x", "Everything wrong", language="en", eqf=8, **base)
    plan = recommend({}, INSTALLER, [several], tiny, constraints=constraints)
    assert plan.excluded == (("x", "EQF 8 above your maximum 6; language en not in nl"),)
    assert plan.summary == "no credential of the offer closes any of the gap to solar installer " \
                           "(1 credential left out by your constraints)"


def test_budget_is_spent_step_by_step(tiny: Taxonomy) -> None:
    """Each credential fits the budget of 5 alone; after the first, 2 ECTS are left."""
    offer = [offered("b", "Roof safety", ["heights", "roof"], ects=3),
             offered("c", "Inverters", ["inverter", "panels"], ects=3.5),
             offered("f", "Solar marketing", ["grid", "advice"], ects=1)]
    plan = recommend({}, INSTALLER, offer, tiny, constraints=Constraints(max_ects=5))
    assert [r.credential.id for r in plan.recommendations] == ["b", "f"]
    assert plan.excluded == (("c", "over the ECTS budget (3.5 ECTS, 2 of 5 left)"),)
    assert plan.ects == 4


def test_unstated_facts_pass_the_constraints_and_say_so(tiny: Taxonomy) -> None:
    offer = [offered("u", "Unknown facts", ["heights"], ects=None, language=None, issuer=None),
             offered("h", "In hours", ["roof"], ects=None, hours=56)]
    constraints = Constraints(max_ects=10, max_eqf=5, languages=frozenset({"nl"}),
                              institutions=frozenset({"Hogeschool Zuid"}))
    plan = recommend({}, INSTALLER, offer, tiny, constraints=constraints)
    by_id = {r.credential.id: r for r in plan.recommendations}
    assert by_id["u"].reasons[2:6] == ("workload not stated; counted as 5 ECTS", "EQF level not stated",
                                       "language not stated", "issuer not stated")
    assert "no ECTS stated; 56 hours counted as 2 ECTS" in by_id["h"].reasons
    assert plan.ects == 7 and not plan.excluded


def test_stackable_breaks_a_tie(tiny: Taxonomy) -> None:
    offer = [offered("plain", "A plain module", ["heights"]), offered("stack", "B stackable", ["roof"], stackable=True)]
    plan = recommend({}, INSTALLER, offer, tiny)
    assert [r.credential.id for r in plan.recommendations] == ["stack", "plain"]
    assert plan.recommendations[0].score == pytest.approx(plan.recommendations[1].score * 1.1)
    assert plan.recommendations[0].reasons[2:] == (
        "stackable", "ranks above 'A plain module' because it covers as much for the same ECTS, "
                     "and it is stackable and 'A plain module' is not")
    # Without the preference the two tie, and the title decides.
    plain = recommend({}, INSTALLER, [replace(offer[1], stackable=False), offer[0]], tiny)
    assert plain.recommendations[0].credential.id == "plain"
    assert plain.recommendations[0].reasons[-1] == \
        "ranks above 'B stackable' because it ties with 'B stackable' on score and it comes first by title"


def test_exact_ties_go_to_essential_skills(tiny: Taxonomy) -> None:
    """Both add 1 / 4.6 for 3 ECTS, but "Z" adds it all to an essential skill."""
    offer = [offered("y", "Y mixed", {"roof": 0.7, "grid": 1.0}), offered("z", "Z essential", ["heights"])]
    plan = recommend({}, INSTALLER, offer, tiny)
    assert [r.credential.id for r in plan.recommendations] == ["z", "y"]
    assert plan.recommendations[0].score == pytest.approx(plan.recommendations[1].score)
    assert plan.recommendations[0].reasons[-1] == \
        "ranks above 'Y mixed' because it ties with 'Y mixed' on score and more of its gain is in essential skills"


def test_eqf_progression_breaks_ties_and_only_ties(tiny: Taxonomy) -> None:
    """For a learner at EQF 4: EQF 5 follows on (x1), EQF 3 steps down (x0.9), EQF 7 jumps two
    levels past the next one (x0.8 x 0.8)."""
    offer = [offered("jump", "Advanced", ["heights"], eqf=7), offered("down", "Refresher", ["roof"], eqf=3),
             offered("next", "Next level", ["inverter"], eqf=5)]
    constraints = Constraints(learner_eqf=4)
    plan = recommend({}, INSTALLER, offer, tiny, constraints=constraints)
    assert [r.credential.id for r in plan.recommendations] == ["next", "down", "jump"]
    scores = [r.score for r in plan.recommendations]
    assert scores == pytest.approx([1 / TOTAL / 3, 0.9 / TOTAL / 3, 0.64 / TOTAL / 3])
    nxt, down, jump = plan.recommendations
    assert nxt.reasons[2:] == ("EQF 5 follows your EQF 4",
                               "ranks above 'Refresher' because it covers as much for the same ECTS, "
                               "and its EQF 5 suits your EQF 4 better than EQF 3")
    assert down.reasons[2] == "EQF 3 is below your EQF 4 (ranked lower)"
    assert jump.reasons[2] == "EQF 7 is 3 levels above your EQF 4 (ranked lower)"
    # A preference never outweighs a real difference: two skills at EQF 7 beat one at EQF 5.
    offer = [offered("jump", "Advanced", ["heights", "roof"], eqf=7),
             offered("next", "Next level", ["inverter"], eqf=5)]
    plan = recommend({}, INSTALLER, offer, tiny, constraints=constraints)
    assert plan.recommendations[0].reasons[-1] == \
        "ranks above 'Next level' because it covers 1 more essential skill for the same ECTS"


def test_pathway_orders_by_eqf_and_prerequisites(tiny: Taxonomy) -> None:
    offer = [
        offered("adv", "Advanced install", ["panels"], eqf=5, prerequisites="Completed Install, or work experience"),
        offered("basics", "Basics", ["heights"], eqf=4),
        offered("design", "Design", ["roof"], eqf=5, prerequisites="basics"),
        offered("install", "Install", ["inverter"], eqf=5),
        offered("care", "Customer care", ["advice"], eqf=None),
    ]
    steps = pathway({}, INSTALLER, offer, tiny, constraints=Constraints(learner_eqf=4))
    assert [[r.credential.id for r in s.recommendations] for s in steps] == \
        [["care", "basics"], ["design", "install"], ["adv"]]
    assert [s.number for s in steps] == [1, 2, 3] and [s.eqf_level for s in steps] == [4, 5, 5]
    assert [s.reason for s in steps] == [
        "start here: EQF 4 is your own level",
        "EQF 5 builds on step 1 at EQF 4; the prerequisites of 'Design' name 'Basics' (step 1)",
        "the prerequisites of 'Advanced install' name 'Install' (step 2)",
    ]
    two = pathway({}, INSTALLER, offer, tiny, constraints=Constraints(learner_eqf=4), max_steps=2)
    assert [[r.credential.id for r in s.recommendations] for s in two] == \
        [["care", "basics"], ["design", "install", "adv"]]
    assert two[1].reason == "EQF 5 builds on step 1 at EQF 4; the prerequisites of 'Design' name 'Basics' " \
                            "(step 1); later steps are merged into this one to keep the pathway to 2 steps"
    assert json.loads(json.dumps(two[1].to_dict()))["eqf_level"] == 5
    with pytest.raises(InputError):
        pathway({}, INSTALLER, offer, tiny, max_steps=0)


def test_pathway_without_a_learner_level_and_with_a_prerequisite_above(tiny: Taxonomy) -> None:
    """A prerequisite at a higher level still comes first; ids count as names, as whole words."""
    offer = [offered("c1", "Intro", ["heights"], eqf=4, prerequisites="module C10 or C2"),
             offered("c2", "Theory", ["roof"], eqf=6), offered("c10", "Other", ["grid"], eqf=4)]
    steps = pathway({}, INSTALLER, offer, tiny)
    assert [[r.credential.id for r in s.recommendations] for s in steps] == [["c10"], ["c2"], ["c1"]]
    assert [s.reason for s in steps] == [
        "start here: EQF 4 is the lowest level of the pathway",
        "EQF 6 builds on step 1 at EQF 4",
        "the prerequisites of 'Intro' name 'Other' (step 1) and 'Theory' (step 2)",
    ]


def test_nothing_to_recommend(tiny: Taxonomy) -> None:
    plan = recommend({}, OCC + "nurse", OFFER, tiny)
    assert plan.recommendations == () and plan.coverage_after == 0 and plan.ects == 0
    assert plan.excluded == tuple((c.id, "teaches none of the missing skills") for c in OFFER)
    assert plan.summary == "no credential of the offer closes any of the gap to nurse"
    assert pathway({}, OCC + "nurse", OFFER, tiny) == ()
    everything = profile_from_skills(dict.fromkeys((S + k for k in ("heights", "roof", "inverter", "panels", "grid",
                                                                    "advice")), 1.0), tiny)
    plan = recommend(everything, INSTALLER, OFFER, tiny)
    assert plan.summary == "nothing to recommend: the profile already holds every skill of solar installer"


# -- real ESCO ----------------------------------------------------------------------------------


SOLAR_ENGINEER = "http://data.europa.eu/esco/occupation/42dbb769-4c91-47dc-bd16-ec8e70c4180f"
NURSE = "http://data.europa.eu/esco/occupation/8d3e8aaa-791b-4c75-a465-f3f827028f50"


@pytest.fixture(scope="module")
def esco() -> Taxonomy:
    """The full ESCO v1.1.1 taxonomy (en + nl) from the data directory, built there if needed."""
    require_esco()
    return load_taxonomy(build_taxonomy([ESCO], Settings().data_dir).path)


@pytest.fixture(scope="module")
def solar_offer(esco: Taxonomy) -> list[OfferedCredential]:
    """Synthetic credentials, each teaching real skills of "solar energy engineer" (named by their
    ESCO labels, each the label of exactly one of its skills); "Data for energy" only optional ones."""
    skills = {c.label(): c.uri for c in esco.skills_of(SOLAR_ENGINEER)}

    def credential(id_: str, title: str, labels: list[str], ects: float, eqf: int, **facts) -> OfferedCredential:
        return replace(offered(id_, title, [], ects=ects, eqf=eqf, stackable=True, language="en", **facts),
                       skills={skills[label]: 1.0 for label in labels})

    return [
        credential("thermal", "Solar thermal design", ["design a solar heating system", "thermodynamics",
                                                       "perform feasibility study on solar heating", "solar energy"],
                   5, 6),
        credential("pv", "PV engineering", ["types of photovoltaic panels", "design solar energy systems",
                                            "electrical engineering"], 5, 6, prerequisites="Engineering drawing"),
        credential("drawing", "Engineering drawing", ["technical drawings", "use technical drawing software",
                                                      "create AutoCAD drawings"], 3, 5),
        credential("data", "Data for energy", ["data analytics", "data mining", "business intelligence"], 3, 6),
        credential("pm", "Project management", ["manage engineering project", "perform project management"], 2, 6),
    ]


def test_solar_energy_engineer_on_real_esco(esco: Taxonomy, solar_offer: list[OfferedCredential]) -> None:
    assert esco.get(SOLAR_ENGINEER).label() == "solar energy engineer"
    essential = {c.uri for c in esco.skills_of(SOLAR_ENGINEER, "essential")}
    labels = {c.label() for c in esco.skills_of(SOLAR_ENGINEER)}
    assert len(essential) == 27
    plan = recommend({}, SOLAR_ENGINEER, solar_offer, esco, constraints=Constraints(learner_eqf=5))
    # Per ECTS the drawing module (3 essential skills for 3 ECTS) leads; the module with only
    # optional skills comes last.
    assert [r.credential.id for r in plan.recommendations] == ["drawing", "thermal", "pm", "pv", "data"]
    assert [r.remaining_essential for r in plan.recommendations] == [24, 19, 18, 15, 15]
    assert all(r.covers[0].relation == "essential" for r in plan.recommendations[:4])
    assert {s.relation for s in plan.recommendations[4].covers} == {"optional"}
    assert plan.recommendations[3].reasons[-1] == \
        "ranks above 'Data for energy' because it covers essential skills and 'Data for energy' only optional ones"
    assert plan.coverage_after == pytest.approx(sum(r.gain for r in plan.recommendations))
    assert plan.coverage_after == pytest.approx(occupation_gap(profile_from_skills(
        {uri: 1.0 for c in solar_offer for uri in c.skills}, esco), SOLAR_ENGINEER, esco).coverage)
    drawing, thermal = plan.recommendations[:2]
    assert drawing.reasons == (
        "covers 3 missing essential skills: create AutoCAD drawings, technical drawings, "
        "use technical drawing software",
        "covers 2 missing optional skills: draw blueprints (partly), read engineering drawings (partly)",
        "after it 92% of the gap remains (24 essential skills missing)",
        "stackable",
        "EQF 5 is your own level",
        "ranks above 'Solar thermal design' because it adds more per ECTS (2.8 against 2.3 coverage points)",
    )
    assert thermal.reasons[0] == ("covers 5 missing essential skills: design a solar heating system, perform "
                                  "feasibility study on solar heating, solar energy, thermodynamics, "
                                  "maintain solar energy systems (partly)")
    # Every skill a reason names is a real ESCO skill of the occupation.
    for recommendation in plan.recommendations:
        for reason in recommendation.reasons:
            if reason.startswith("covers "):
                named = reason.split(": ", 1)[1].replace(" (partly)", "").split(", ")
                assert set(named) <= labels, reason
        assert {s.label for s in recommendation.covers} <= labels
        assert all(s.uri in essential for s in recommendation.covers if s.relation == "essential")

    steps = pathway({}, SOLAR_ENGINEER, solar_offer, esco, constraints=Constraints(learner_eqf=5))
    assert [[r.credential.id for r in s.recommendations] for s in steps] == \
        [["drawing"], ["thermal", "pm", "pv", "data"]]
    assert [s.reason for s in steps] == [
        "start here: EQF 5 is your own level",
        "EQF 6 builds on step 1 at EQF 5; the prerequisites of 'PV engineering' name 'Engineering drawing' (step 1)",
    ]


def test_real_esco_occupation_the_offer_cannot_help(esco: Taxonomy, solar_offer: list[OfferedCredential]) -> None:
    assert esco.get(NURSE).label() == "nurse responsible for general care"
    plan = recommend({}, NURSE, solar_offer, esco)
    assert plan.recommendations == () and plan.coverage_after == 0
    assert plan.excluded == tuple((c.id, "teaches none of the missing skills") for c in solar_offer)
    assert plan.summary == "no credential of the offer closes any of the gap to nurse responsible for general care"
