"""Next credentials towards an occupation: which credentials of an offer close a learner's gap, in
what order, and why each one is there.

>>> plan = recommend(profile, occupation_uri, offered_credentials(catalogue), taxonomy,   # doctest: +SKIP
...                  constraints=Constraints(max_ects=15, languages=frozenset({"nl"}), learner_eqf=4))
>>> plan.recommendations[0].reasons                                                       # doctest: +SKIP
>>> steps = pathway(profile, occupation_uri, offered_credentials(catalogue), taxonomy)    # doctest: +SKIP

The choice is a greedy weighted set cover over the occupation's skills. Each credential adds credit
to the skills it teaches, counted at its confidence for each skill and through ESCO's links as
:mod:`skillmatch.gaps` counts them (a credential teaching "Python" partly covers "computer
programming"); a skill's credit is the best any source gives it. At each step the credential with
the highest score is taken::

    score = coverage gain / price x preference
    price = max(ECTS, 1)            ECTS from the credential, else its hours / 28, else 5
    preference = 1.1 if stackable   x 0.8 per EQF level beyond the learner's + 1
                                    x 0.9 per EQF level below the learner's

but a credential that adds credit to an essential skill always ranks above one that only adds to
optional skills, so essentials are covered first. It stops when no credential adds coverage, none
fits the remaining ECTS budget, or ``limit`` credentials are chosen. Gain per ECTS is the classic
greedy rule for weighted set cover, which stays within a logarithmic factor of the cheapest cover;
the preferences are mild so that they decide near-ties, not real differences in what is learnt.

Every recommendation says which missing skills it covers, how much of the gap is left after it (the
share of the coverage the learner lacked before the plan), and why it ranks above the runner-up of
its step (the credential that scored next when it was chosen); every credential left out says why.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from skillmatch.domain import OfferedCredential
from skillmatch.errors import InputError
from skillmatch.gaps import (
    ESSENTIAL_WEIGHT,
    OPTIONAL_WEIGHT,
    Gap,
    SkillGap,
    SkillProfile,
    occupation_gap,
    skill_credits,
    skill_links,
)
from skillmatch.taxonomy import Taxonomy

#: Workload assumed for a credential that states neither ECTS nor hours: the common size of a
#: microcredential module (most are 1 to 15 ECTS).
DEFAULT_ECTS = 5.0
#: ECTS are 25 to 30 hours of study; the passport converts at 28 as well.
HOURS_PER_ECTS = 28.0
#: Smallest price a credential is scored at: enrolling and being assessed take their time whatever
#: the size, and a badge stating 0 ECTS would otherwise win by division alone.
MIN_PRICE_ECTS = 1.0
#: Stackable credentials count towards a larger award, so the effort is not spent on this one alone.
STACKABLE_BONUS = 1.1
#: Per EQF level above the learner's next one: the course assumes what the learner has not yet learnt.
EQF_JUMP_FACTOR = 0.8
#: Per EQF level below the learner's: likely to repeat what the learner's own level already covers.
EQF_STEP_DOWN_FACTOR = 0.9

_WEIGHTS = {"essential": ESSENTIAL_WEIGHT, "optional": OPTIONAL_WEIGHT}
# Below this a coverage gain is floating-point noise, not a reason to recommend a credential.
_EPSILON = 1e-9


@dataclass(frozen=True)
class Constraints:
    """What the learner will accept. Each constraint excludes only credentials known to break it:
    one that does not state its EQF level, language or issuer is kept, and its recommendation says
    the fact is not stated."""

    #: Total study load of the plan, in ECTS (a credential without ECTS counts as ``DEFAULT_ECTS``,
    #: or its hours at ``HOURS_PER_ECTS``).
    max_ects: float | None = None
    max_eqf: int | None = None
    #: Language tags; "nl" accepts "nl", "nl-NL" and "nl_BE".
    languages: frozenset[str] | None = None
    #: Issuer names, compared without regard to case.
    institutions: frozenset[str] | None = None
    #: Credential formats ("openbadges3", "elm", ...), compared without regard to case.
    formats: frozenset[str] | None = None
    #: Ids of credentials the learner already holds.
    exclude: frozenset[str] = frozenset()
    #: The highest EQF level the learner holds: the next credential should sit at it or one above.
    learner_eqf: int | None = None


@dataclass(frozen=True)
class Recommendation:
    """One credential of a plan, with what it adds on top of the ones ranked before it."""

    credential: OfferedCredential
    #: The target's missing or partly held skills it raises, each as it stands once the credential
    #: is taken: ``credit`` and ``status`` after it, ``via`` the skill it teaches when the credit
    #: comes through an ESCO link (``via_kind``), ``reason`` in words.
    covers: tuple[SkillGap, ...]
    #: Coverage it adds on top of the recommendations ranked before it.
    gain: float
    coverage_before: float
    coverage_after: float
    #: Essential skills still missing (no credit at all) after it.
    remaining_essential: int
    score: float
    reasons: tuple[str, ...]

    def to_dict(self) -> dict:
        c = self.credential
        return {
            "credential": {"id": c.id, "title": c.title, "issuer": c.issuer, "eqf_level": c.eqf_level,
                           "ects": c.ects, "hours": c.hours, "language": c.language, "format": c.format,
                           "stackable": c.stackable},
            "covers": [s.to_dict() for s in self.covers],
            "gain": round(self.gain, 4), "coverage_before": round(self.coverage_before, 4),
            "coverage_after": round(self.coverage_after, 4), "remaining_essential": self.remaining_essential,
            "score": round(self.score, 4), "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class Plan:
    """The credentials recommended towards ``target``, best first, and why the others are not."""

    #: The learner's gap to the occupation before any recommended credential.
    target: Gap
    recommendations: tuple[Recommendation, ...]
    #: ``(credential id, why it was left out)`` for every other credential of the offer.
    excluded: tuple[tuple[str, str], ...]
    coverage_after: float
    #: Study load of the recommendations (estimated where a credential does not state ECTS).
    ects: float
    #: The plan in one sentence, or why there is none.
    summary: str = ""

    def to_dict(self) -> dict:
        return {
            "target": self.target.to_dict(),
            "recommendations": [r.to_dict() for r in self.recommendations],
            "excluded": [{"id": id_, "reason": why} for id_, why in self.excluded],
            "coverage_after": round(self.coverage_after, 4), "ects": round(self.ects, 2), "summary": self.summary,
        }


@dataclass(frozen=True)
class PathwayStep:
    """One step of a pathway: credentials to take together, after the steps before it."""

    number: int
    recommendations: tuple[Recommendation, ...]
    #: The highest EQF level of the step; None when none of its credentials states one.
    eqf_level: int | None
    reason: str

    def to_dict(self) -> dict:
        return {"number": self.number, "eqf_level": self.eqf_level, "reason": self.reason,
                "recommendations": [r.to_dict() for r in self.recommendations]}


@dataclass(frozen=True)
class _Option:
    """One credential weighed against the credit the learner has at one step of the plan."""

    credential: OfferedCredential
    #: The credit of each required skill it raises, once taken, and before.
    credit: dict[str, float] = field(repr=False)
    previous: dict[str, float] = field(repr=False)
    covers: tuple[SkillGap, ...]
    gain: float
    essential_gain: float
    workload: float
    price: float
    factor: float

    @property
    def score(self) -> float:
        return self.gain / self.price * self.factor

    def count(self, relation: str) -> int:
        return sum(1 for s in self.covers if s.relation == relation)


@dataclass(frozen=True)
class _Step:
    """The credential chosen at one step of the greedy cover, the runner-up, and where it leaves the gap."""

    option: _Option
    runner_up: _Option | None
    coverage: float
    missing_essential: int


def recommend(profile: SkillProfile, occupation: str, offer: Sequence[OfferedCredential], taxonomy: Taxonomy, *,
              constraints: Constraints = Constraints(), limit: int = 5) -> Plan:
    """The credentials of ``offer`` that best close the gap between ``profile`` and ``occupation``
    under ``constraints``, at most ``limit``, in the order the greedy cover chose them (see the
    module documentation for the score). Raises UnknownConceptError or InputError when
    ``occupation`` is not an ESCO occupation of ``taxonomy``, and InputError when ``limit`` is below 1."""
    if limit < 1:
        raise InputError(f"limit must be at least 1, not {limit}")
    target = occupation_gap(profile, occupation, taxonomy)
    required = {s.uri: s for s in target.skills}
    credit = {s.uri: s.credit for s in target.skills}
    links = skill_links(taxonomy)
    excluded: dict[str, str] = {}
    candidates = []
    for credential in offer:
        why = _broken_constraints(credential, constraints)
        if why:
            excluded[credential.id] = "; ".join(why)
        else:
            candidates.append(credential)
    blocked = len(excluded)
    # What each credential gives every required skill does not change from step to step. It follows
    # gaps' own rules for credit through ESCO's links, so a plan's coverage is what occupation_gap
    # and occupation_fit would report for the same skills.
    gives = {c.id: {uri: found for uri, found in skill_credits(c.skills, links).items() if uri in required}
             for c in candidates}

    chosen: list[_Step] = []
    spent = 0.0
    while candidates:
        options = [_option(c, gives[c.id], credit, required, taxonomy, constraints) for c in candidates]
        for option in options:
            if option.gain <= _EPSILON:
                excluded[option.credential.id] = _adds_nothing(chosen)
            elif constraints.max_ects is not None and spent + option.workload > constraints.max_ects + _EPSILON:
                left = constraints.max_ects - spent
                excluded[option.credential.id] = (f"over the ECTS budget ({_num(option.workload)} ECTS, "
                                                  f"{_num(left)} of {_num(constraints.max_ects)} left)")
        options = sorted((o for o in options if o.credential.id not in excluded), key=_rank)
        if len(chosen) == limit:
            beyond = f"beyond the limit of {_count(limit, 'recommendation')}"
            excluded.update((o.credential.id, beyond) for o in options)
            break
        if not options:
            break
        best = options[0]
        credit.update(best.credit)
        chosen.append(_Step(best, options[1] if len(options) > 1 else None, *_coverage(credit, required)))
        spent += best.workload
        candidates = [o.credential for o in options[1:]]

    recommendations = []
    before = target.coverage
    for step in chosen:
        option = step.option
        recommendations.append(Recommendation(
            credential=option.credential, covers=option.covers, gain=step.coverage - before,
            coverage_before=before, coverage_after=step.coverage, remaining_essential=step.missing_essential,
            score=option.score, reasons=_reasons(step, target, constraints)))
        before = step.coverage
    order = {c.id: i for i, c in enumerate(offer)}
    return Plan(target=target, recommendations=tuple(recommendations),
                excluded=tuple(sorted(excluded.items(), key=lambda item: order[item[0]])),
                coverage_after=before, ects=spent, summary=_summary(target, recommendations, spent, blocked))


def pathway(profile: SkillProfile, occupation: str, offer: Sequence[OfferedCredential], taxonomy: Taxonomy, *,
            constraints: Constraints = Constraints(), limit: int = 5, max_steps: int = 4) -> tuple[PathwayStep, ...]:
    """The :func:`recommend` plan as a sequence of steps: lower EQF levels first, a credential whose
    prerequisites name another recommended one (by title or id) after it, credentials without an EQF
    level as early as their prerequisites allow. Steps beyond ``max_steps`` are merged into the last."""
    if max_steps < 1:
        raise InputError(f"max_steps must be at least 1, not {max_steps}")
    plan = recommend(profile, occupation, offer, taxonomy, constraints=constraints, limit=limit)
    recs = {r.credential.id: r for r in plan.recommendations}
    needs = {id_: [other for other in recs if other != id_ and _names(r.credential.prerequisites,
                                                                      recs[other].credential)]
             for id_, r in recs.items()}
    rank = {id_: i for i, id_ in enumerate(recs)}

    def key(id_: str) -> tuple[int, int]:
        level = recs[id_].credential.eqf_level
        return (-1 if level is None else level, rank[id_])

    # A topological order that takes the lowest EQF level whose prerequisites are placed; a cycle
    # of prerequisites is broken at its lowest level.
    ordered: list[str] = []
    waiting = list(recs)
    while waiting:
        ready = [id_ for id_ in waiting if all(need in ordered for need in needs[id_])] or waiting
        nxt = min(ready, key=key)
        ordered.append(nxt)
        waiting.remove(nxt)

    steps: list[list[Recommendation]] = []
    for id_ in ordered:
        current = steps[-1] if steps else []
        level, current_level = recs[id_].credential.eqf_level, _level(current)
        if (not current or any(r.credential.id in needs[id_] for r in current)
                or (level is not None and current_level is not None and level != current_level)):
            steps.append([recs[id_]])
        else:
            current.append(recs[id_])
    merged = len(steps) > max_steps
    if merged:
        steps[max_steps - 1:] = [[r for step in steps[max_steps - 1:] for r in step]]

    titles = {id_: r.credential.title for id_, r in recs.items()}
    result = []
    for number, step in enumerate(steps, 1):
        reason = _step_reason(number, steps, needs, titles, constraints.learner_eqf)
        if merged and number == len(steps):
            reason += f"; later steps are merged into this one to keep the pathway to {max_steps} steps"
        result.append(PathwayStep(number, tuple(step), _level(step), reason))
    return tuple(result)


# -- weighing one credential ------------------------------------------------------------------


def _workload(credential: OfferedCredential) -> tuple[float, str | None]:
    """The study load in ECTS and, when it is estimated, how."""
    if credential.ects is not None:
        return credential.ects, None
    if credential.hours is not None:
        ects = credential.hours / HOURS_PER_ECTS
        return ects, f"no ECTS stated; {_num(credential.hours)} hours counted as {_num(ects)} ECTS"
    return DEFAULT_ECTS, f"workload not stated; counted as {_num(DEFAULT_ECTS)} ECTS"


def _broken_constraints(credential: OfferedCredential, constraints: Constraints) -> list[str]:
    if credential.id in constraints.exclude:
        return ["already held"]
    why = []
    c = constraints
    if c.max_eqf is not None and credential.eqf_level is not None and credential.eqf_level > c.max_eqf:
        why.append(f"EQF {credential.eqf_level} above your maximum {c.max_eqf}")
    if c.languages is not None and credential.language is not None \
            and not any(_same_language(credential.language, want) for want in c.languages):
        why.append(f"language {credential.language} not in {', '.join(sorted(c.languages))}")
    if c.institutions is not None and credential.issuer is not None \
            and credential.issuer.casefold() not in {i.casefold() for i in c.institutions}:
        why.append(f"issuer {credential.issuer} not among {', '.join(sorted(c.institutions))}")
    if c.formats is not None and credential.format.casefold() not in {f.casefold() for f in c.formats}:
        why.append(f"format {credential.format} not in {', '.join(sorted(c.formats))}")
    workload, _ = _workload(credential)
    if c.max_ects is not None and workload > c.max_ects + _EPSILON:
        why.append(f"over the ECTS budget ({_num(workload)} ECTS, budget {_num(c.max_ects)})")
    return why


def _same_language(tag: str, wanted: str) -> bool:
    tag, wanted = (t.replace("_", "-").casefold() for t in (tag, wanted))
    return tag == wanted or tag.startswith(wanted + "-") or wanted.startswith(tag + "-")


def _progression(eqf: int | None, learner: int | None) -> tuple[float, str | None]:
    """The preference factor for a credential's EQF level, and the sentence that explains it."""
    if eqf is None or learner is None:
        return 1.0, None
    above = eqf - learner
    if above == 1:
        return 1.0, f"EQF {eqf} follows your EQF {learner}"
    if above == 0:
        return 1.0, f"EQF {eqf} is your own level"
    if above > 1:
        return EQF_JUMP_FACTOR ** (above - 1), f"EQF {eqf} is {above} levels above your EQF {learner} (ranked lower)"
    return EQF_STEP_DOWN_FACTOR ** -above, f"EQF {eqf} is below your EQF {learner} (ranked lower)"


def _option(credential: OfferedCredential, gives: dict[str, tuple[float, str, str | None]], credit: dict[str, float],
            required: dict[str, SkillGap], taxonomy: Taxonomy, constraints: Constraints) -> _Option:
    raised: dict[str, float] = {}
    covers = []
    for uri, (amount, via, kind) in gives.items():
        if amount <= credit[uri] + _EPSILON:
            continue
        raised[uri] = amount
        need = required[uri]
        confidence = credential.skills[via]
        if kind is None:
            reason = f"taught by '{credential.title}' (confidence {confidence:.2f})"
        else:
            reason = (f"'{credential.title}' teaches '{taxonomy.get(via).label('en')}' (confidence "
                      f"{confidence:.2f}), {_LINK_WORDS[kind]} '{need.label}'")
        covers.append(SkillGap(uri, need.label, need.relation, _status(amount), amount,
                               via=None if kind is None else via, via_kind=kind, reason=reason))
    covers.sort(key=lambda s: (s.relation != "essential", credit[s.uri] > 0, -s.credit, s.label))
    total = sum(_WEIGHTS[s.relation] for s in required.values())
    essentials = sum(1 for s in required.values() if s.relation == "essential")
    gain = sum(_WEIGHTS[s.relation] * (s.credit - credit[s.uri]) for s in covers) / total if total else 0.0
    essential_gain = sum(s.credit - credit[s.uri] for s in covers if s.relation == "essential") / essentials \
        if essentials else 0.0
    workload, _ = _workload(credential)
    eqf_factor, _ = _progression(credential.eqf_level, constraints.learner_eqf)
    factor = eqf_factor * (STACKABLE_BONUS if credential.stackable else 1.0)
    return _Option(credential, raised, {uri: credit[uri] for uri in raised}, tuple(covers), gain, essential_gain,
                   workload, max(workload, MIN_PRICE_ECTS), factor)


_LINK_WORDS = {"narrower": "a narrower skill of", "broader": "a broader skill than",
               "related": "a skill ESCO relates to"}


def _status(credit: float) -> str:
    return "held" if credit >= 1.0 - _EPSILON else "partial" if credit > _EPSILON else "missing"


def _rank(option: _Option) -> tuple:
    """Essential gain before any optional one, then score; ties go to more essential gain, less
    study, then the title, so the order never depends on the offer's order."""
    return (option.essential_gain <= _EPSILON, -option.score, -option.essential_gain, option.workload,
            option.credential.title, option.credential.id)


def _coverage(credit: dict[str, float], required: dict[str, SkillGap]) -> tuple[float, int]:
    """The coverage the credit reaches, weighted as :func:`occupation_gap` weighs it, and the
    essential skills it leaves without any credit."""
    total = sum(_WEIGHTS[s.relation] for s in required.values())
    reached = sum(_WEIGHTS[s.relation] * credit[uri] for uri, s in required.items())
    missing = sum(1 for uri, s in required.items() if s.relation == "essential" and credit[uri] <= _EPSILON)
    return (reached / total if total else 0.0), missing


# -- explaining -------------------------------------------------------------------------------


def _reasons(step: _Step, target: Gap, constraints: Constraints) -> tuple[str, ...]:
    option = step.option
    reasons = []
    for relation in ("essential", "optional"):
        mine = [s for s in option.covers if s.relation == relation]
        fresh = [s for s in mine if option.previous[s.uri] <= _EPSILON]
        stronger = [s for s in mine if option.previous[s.uri] > _EPSILON]
        if fresh:
            names = ", ".join(s.label + (" (partly)" if s.status == "partial" else "") for s in fresh)
            reasons.append(f"covers {_count(len(fresh), f'missing {relation} skill')}: {names}")
        if stronger:
            names = ", ".join(s.label for s in stronger)
            reasons.append(f"strengthens {_count(len(stronger), f'partly covered {relation} skill')}: {names}")
    gap = 1.0 - target.coverage
    left = (1.0 - step.coverage) / gap if gap > _EPSILON else 0.0
    missing = step.missing_essential
    still = f"{_count(missing, 'essential skill')} missing" if missing else "no essential skill missing"
    reasons.append(f"after it {left:.0%} of the gap remains ({still})")
    credential = option.credential
    if credential.stackable:
        reasons.append("stackable")
    _, progression = _progression(credential.eqf_level, constraints.learner_eqf)
    if progression:
        reasons.append(progression)
    _, estimate = _workload(credential)
    if estimate:
        reasons.append(estimate)
    unstated = [(constraints.max_eqf is not None or constraints.learner_eqf is not None, credential.eqf_level,
                 "EQF level not stated"),
                (constraints.languages is not None, credential.language, "language not stated"),
                (constraints.institutions is not None, credential.issuer, "issuer not stated")]
    reasons.extend(words for asked, value, words in unstated if asked and value is None)
    if step.runner_up is not None:
        reasons.append(_ranks_above(option, step.runner_up, constraints.learner_eqf))
    return tuple(reasons)


def _ranks_above(a: _Option, b: _Option, learner_eqf: int | None) -> str:
    """Why ``a`` beat ``b``, the runner-up of the same step: what each adds, for what study load,
    and the preferences, naming only the facts that favour ``a``."""
    other = f"'{b.credential.title}'"
    if a.essential_gain > _EPSILON and b.essential_gain <= _EPSILON:
        return f"ranks above {other} because it covers essential skills and {other} only optional ones"
    why = []
    if a.workload < b.workload - _EPSILON:
        cost = f"for fewer ECTS ({_num(a.workload)} against {_num(b.workload)})"
    else:
        cost = "for the same ECTS" if abs(a.workload - b.workload) <= _EPSILON else ""
    efficiency = (f"more per ECTS ({100 * a.gain / a.price:.1f} against {100 * b.gain / b.price:.1f} coverage "
                  "points)") if a.gain / a.price > b.gain / b.price + _EPSILON else ""
    more_essential = a.count("essential") - b.count("essential")
    more_optional = a.count("optional") - b.count("optional")
    if a.gain > b.gain + _EPSILON:
        if more_essential > 0:
            what = f"it covers {_count(more_essential, 'more essential skill')}"
        elif more_essential == 0 and more_optional > 0:
            what = f"it covers {_count(more_optional, 'more optional skill')}"
        else:
            what = f"it adds more coverage ({a.gain:.0%} against {b.gain:.0%})"
        why.append(f"{what} {cost}" if cost else f"{what}, {efficiency}" if efficiency else what)
    elif a.gain >= b.gain - _EPSILON and cost:
        why.append(f"it covers as much {cost}")
    elif efficiency:
        why.append(f"it adds {efficiency}")
    preferred = []
    if a.credential.stackable and not b.credential.stackable:
        preferred.append(f"it is stackable and {other} is not")
    a_eqf, b_eqf = a.credential.eqf_level, b.credential.eqf_level
    if _progression(a_eqf, learner_eqf)[0] > _progression(b_eqf, learner_eqf)[0] + _EPSILON:
        preferred.append(f"its EQF {a_eqf} suits your EQF {learner_eqf} better than EQF {b_eqf}")
    if why in ([], ["it covers as much for the same ECTS"]) and not preferred:
        # Equal scores: the tie-breaks of _rank, in its order.
        if a.essential_gain > b.essential_gain + _EPSILON:
            tie = "more of its gain is in essential skills"
        elif a.workload < b.workload - _EPSILON:
            tie = f"it takes fewer ECTS ({_num(a.workload)} against {_num(b.workload)})"
        else:
            tie = "it comes first by title"
        why = [f"it ties with {other} on score and {tie}"]
    return f"ranks above {other} because " + ", and ".join(why + preferred)


def _adds_nothing(chosen: list[_Step]) -> str:
    if not chosen:
        return "teaches none of the missing skills"
    titles = [f"'{step.option.credential.title}'" for step in chosen]
    return f"adds nothing once {_join(titles)} {'is' if len(titles) == 1 else 'are'} taken"


def _summary(target: Gap, recommendations: list[Recommendation], ects: float, blocked: int) -> str:
    if not recommendations:
        if not target.missing and not target.partial:
            return f"nothing to recommend: the profile already holds every skill of {target.label}"
        why = f" ({_count(blocked, 'credential')} left out by your constraints)" if blocked else ""
        return f"no credential of the offer closes any of the gap to {target.label}{why}"
    last = recommendations[-1]
    missing = last.remaining_essential
    rest = f"{_count(missing, 'essential skill')} stay missing" if missing else \
        "every essential skill is then at least partly covered"
    return (f"{_count(len(recommendations), 'credential')} ({_num(ects)} ECTS) raise the coverage of "
            f"{target.label} from {target.coverage:.0%} to {last.coverage_after:.0%}; {rest}")


# -- pathway ----------------------------------------------------------------------------------


def _names(prerequisites: str | None, other: OfferedCredential) -> bool:
    """Whether the prerequisites name ``other`` by its title or id, as whole words ("c1" is not "c10")."""
    return bool(prerequisites) and any(
        name and re.search(rf"(?<!\w){re.escape(name)}(?!\w)", prerequisites, re.IGNORECASE)
        for name in (other.title, other.id))


def _level(step: list[Recommendation]) -> int | None:
    return max((r.credential.eqf_level for r in step if r.credential.eqf_level is not None), default=None)


def _step_reason(number: int, steps: list[list[Recommendation]], needs: dict[str, list[str]],
                 titles: dict[str, str], learner_eqf: int | None) -> str:
    step = steps[number - 1]
    level = _level(step)
    if number == 1:
        if level is None:
            return "start here: no credential of this step states an EQF level"
        progression = _progression(level, learner_eqf)[1]
        return f"start here: {progression}" if progression else \
            f"start here: EQF {level} is the lowest level of the pathway"
    where = {r.credential.id: n for n, s in enumerate(steps[:number - 1], 1) for r in s}
    parts = []
    previous = _level(steps[number - 2])
    if level is not None and previous is not None and level > previous:
        parts.append(f"EQF {level} builds on step {number - 1} at EQF {previous}")
    for r in step:
        named = sorted((where[need], titles[need]) for need in needs[r.credential.id] if need in where)
        if named:
            names = _join([f"'{title}' (step {n})" for n, title in named])
            parts.append(f"the prerequisites of '{r.credential.title}' name {names}")
    return "; ".join(parts) if parts else f"after step {number - 1}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _num(value: float) -> str:
    return f"{round(value, 1):g}"
