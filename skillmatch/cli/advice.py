"""What the passport is for: ``gap``, ``fit`` and ``recommend`` for learners, ``candidates`` for
employers, ``coverage`` for institutions. Every answer is printed with its reasons."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from skillmatch.cli.common import DataDir, EncoderOption, JsonFlag, err, errors, load_matcher, out
from skillmatch.cli.credentials import DatabaseUrl, TrustOption, make_passport, open_store
from skillmatch.encoder import DEFAULT_ENCODER
from skillmatch.errors import InputError

if TYPE_CHECKING:
    from skillmatch.domain import Passport, SkillProfile
    from skillmatch.gaps import Gap
    from skillmatch.matching import Matcher
    from skillmatch.recommend import PathwayStep, Plan

Held = Annotated[list[Path], typer.Argument(help="The learner's held credentials (any format).")]
Target = Annotated[str, typer.Argument(help="The target role: an ESCO occupation URI or a job title (any language).")]


def occupation_of(target: str, matcher: Matcher) -> str:
    """The occupation URI ``target`` means (see :func:`skillmatch.service.resolve_occupation`); how
    a job title was read is said on stderr."""
    from skillmatch.service import resolve_occupation

    resolved = resolve_occupation(target, matcher)
    if resolved.read_as:
        err.print(resolved.read_as, highlight=False)
    return resolved.uri


def learner_profile(files: list[Path], trust: Path | None, database_url: str | None, data_dir: Path | None,
                    encoder: str) -> tuple[SkillProfile, Passport, Matcher]:
    from skillmatch.domain import profile_from_passport

    matcher = load_matcher(data_dir, encoder)
    passport, _rejected = make_passport(files, trust, open_store(database_url, data_dir), matcher)
    return profile_from_passport(passport), passport, matcher


def gap(
    target: Target,
    files: Held,
    trust: TrustOption = None,
    database_url: DatabaseUrl = None,
    data_dir: DataDir = None,
    encoder: EncoderOption = DEFAULT_ENCODER,
    json_output: JsonFlag = False,
) -> None:
    """What a target occupation needs that the learner's credentials do not prove yet."""
    from skillmatch.gaps import occupation_gap

    with errors():
        profile, _passport, matcher = learner_profile(files, trust, database_url, data_dir, encoder)
        result = occupation_gap(profile, occupation_of(target, matcher), matcher.taxonomy)
        if json_output:
            out.print_json(data=result.to_dict())
        else:
            print_gap(result)


def print_gap(result: Gap) -> None:
    out.print(f"[bold]{result.label}[/]: coverage {result.coverage:.0%} (essential skills "
              f"{result.essential_coverage:.0%}); {len(result.held)} held, {len(result.partial)} partly held, "
              f"{len(result.missing)} missing of which {len(result.missing_essential)} essential")
    table = Table("skill", "relation", "status", "credit", "why")
    for skill in result.skills:
        table.add_row(skill.label, skill.relation, skill.status, f"{skill.credit:.2f}", skill.reason)
    out.print(table)


def fit(
    files: Held,
    top: Annotated[int, typer.Option(help="How many occupations to list.")] = 10,
    trust: TrustOption = None,
    database_url: DatabaseUrl = None,
    data_dir: DataDir = None,
    encoder: EncoderOption = DEFAULT_ENCODER,
    json_output: JsonFlag = False,
) -> None:
    """The ESCO occupations that fit the learner now, and those one or two catalogue credentials away."""
    from skillmatch.catalogue import Catalogue, offered_credentials
    from skillmatch.gaps import occupation_fit

    with errors():
        profile, passport, matcher = learner_profile(files, trust, database_url, data_dir, encoder)
        offer = offered_credentials(Catalogue(open_store(database_url, data_dir), matcher))
        held = {credential.achievement_id for credential in passport.credentials if credential.achievement_id}
        now, reachable = occupation_fit(profile, matcher.taxonomy, offer=offer, held=held, top=top)
        if json_output:
            out.print_json(data={"now": [f.to_dict() for f in now], "reachable": [f.to_dict() for f in reachable]})
            return
        for title, fits in (("fits now", now), ("one or two credentials away", reachable)):
            table = Table("occupation", "coverage", "essential", "why", title=title)
            for f in fits:
                table.add_row(f.label, f"{f.coverage:.0%}", f"{f.essential_coverage:.0%}", f.reason)
            out.print(table)


def recommend(
    target: Target,
    files: Held,
    max_ects: Annotated[float | None, typer.Option("--max-ects", help="ECTS budget.")] = None,
    max_eqf: Annotated[int | None, typer.Option("--max-eqf", help="Highest EQF level to consider.")] = None,
    lang: Annotated[list[str] | None, typer.Option("--lang", help="Languages of instruction (repeatable).")] = None,
    institution: Annotated[list[str] | None, typer.Option(help="Only these institutions (repeatable).")] = None,
    fmt: Annotated[list[str] | None, typer.Option("--format", help="Only these formats: ob2, ob3, elm.")] = None,
    limit: Annotated[int, typer.Option(help="How many credentials at most.")] = 5,
    trust: TrustOption = None,
    database_url: DatabaseUrl = None,
    data_dir: DataDir = None,
    encoder: EncoderOption = DEFAULT_ENCODER,
    json_output: JsonFlag = False,
) -> None:
    """The catalogue credentials that close the gap to a target occupation, as a pathway, each
    with the missing skills it covers and why it ranks where it does."""
    from skillmatch.catalogue import Catalogue, offered_credentials
    from skillmatch.recommend import pathway
    from skillmatch.recommend import recommend as make_plan
    from skillmatch.service import learner_constraints

    with errors():
        profile, passport, matcher = learner_profile(files, trust, database_url, data_dir, encoder)
        occupation = occupation_of(target, matcher)
        offer = offered_credentials(Catalogue(open_store(database_url, data_dir), matcher))
        constraints = learner_constraints(passport, max_ects=max_ects, max_eqf=max_eqf, languages=lang,
                                          institutions=institution, formats=fmt)
        plan = make_plan(profile, occupation, offer, matcher.taxonomy, constraints=constraints, limit=limit)
        steps = pathway(profile, occupation, offer, matcher.taxonomy, constraints=constraints)
        if json_output:
            data = plan.to_dict()
            data["pathway"] = [{"step": s.number, "eqf_level": s.eqf_level, "reason": s.reason,
                                "credentials": [r.credential.id for r in s.recommendations]} for s in steps]
            out.print_json(data=data)
        else:
            print_plan(plan, steps)


def print_plan(plan: Plan, steps: tuple[PathwayStep, ...]) -> None:
    out.print(f"[bold]towards {plan.target.label}[/]: coverage {plan.target.coverage:.0%} now, "
              f"{plan.coverage_after:.0%} after {len(plan.recommendations)} credentials ({plan.ects:g} ECTS)")
    for number, rec in enumerate(plan.recommendations, 1):
        out.print(f"{number}. [bold]{rec.credential.title}[/] ({rec.credential.issuer or 'unknown issuer'}, "
                  f"EQF {rec.credential.eqf_level or '?'}, {rec.credential.ects or '?'} ECTS): "
                  f"coverage {rec.coverage_before:.0%} → {rec.coverage_after:.0%}")
        for reason in rec.reasons:
            out.print(f"   - {reason}", highlight=False)
    if not plan.recommendations:
        out.print("no credential in the catalogue closes part of this gap")
    for step in steps:
        out.print(f"step {step.number}: {', '.join(r.credential.title for r in step.recommendations)} — {step.reason}",
                  highlight=False)


def candidates(
    role: Annotated[str, typer.Argument(help="An ESCO occupation URI, a job title, or a vacancy text file "
                                             "(with --vacancy).")],
    passports: Annotated[list[Path], typer.Argument(help="Passports as written by `passport build --json`, "
                                                         "of holders who consented.")],
    vacancy: Annotated[bool, typer.Option("--vacancy", help="ROLE is a file holding a vacancy text.")] = False,
    top: Annotated[int, typer.Option(help="How many candidates to list.")] = 10,
    data_dir: DataDir = None,
    encoder: EncoderOption = DEFAULT_ENCODER,
    json_output: JsonFlag = False,
) -> None:
    """Rank candidates for a role on their proven skills, with the evidence and missing essentials."""
    from skillmatch.candidates import CandidateIndex
    from skillmatch.service import profile_from_passport_file, resolve_role

    with errors():
        matcher = load_matcher(data_dir, encoder)
        if vacancy:
            try:
                text = Path(role).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise InputError(f"cannot read the vacancy text {role}: {exc}") from exc
            wanted = resolve_role(text, matcher, kind="vacancy")
        else:
            wanted = resolve_role(role, matcher)
        profiles = {str(path): profile_from_passport_file(path, matcher.taxonomy) for path in passports}
        ranked = CandidateIndex().fit(profiles, matcher.taxonomy).rank(wanted, top=top)
        if json_output:
            out.print_json(data={"role": wanted.label, "candidates": [
                {"candidate": c.candidate, "score": round(c.score, 4),
                 "matched": [{"uri": u, "label": label, "credit": round(credit, 4)} for u, label, credit in c.matched],
                 "missing_essential": [{"uri": u, "label": label} for u, label in c.missing_essential],
                 "evidence": {u: list(e) for u, e in c.evidence.items()}} for c in ranked]})
            return
        table = Table("candidate", "score", "matched skills", "missing essentials",
                      title=f"candidates for {wanted.label}")
        for c in ranked:
            table.add_row(c.candidate, f"{c.score:.2f}", ", ".join(label for _u, label, _c in c.matched[:8]),
                          ", ".join(label for _u, label in c.missing_essential[:8]))
        out.print(table)


def coverage(
    institution: Annotated[str | None, typer.Option(help="Only this institution's credentials (its name).")] = None,
    sector: Annotated[list[str] | None, typer.Option(help="Shortage sectors to report gaps for (repeatable).")] = None,
    occupation: Annotated[list[str] | None, typer.Option(help="ESCO occupation URIs to report gaps for.")] = None,
    top: Annotated[int, typer.Option(help="How many occupations to list.")] = 10,
    min_similarity: Annotated[float, typer.Option(
        min=0.0, max=1.0, help="The least similarity (weighted Jaccard of the skills) of an overlap to list.")] = 0.3,
    database_url: DatabaseUrl = None,
    data_dir: DataDir = None,
    encoder: EncoderOption = DEFAULT_ENCODER,
    json_output: JsonFlag = False,
) -> None:
    """Which ESCO skills, skill groups and occupations an institution's offer covers, the gaps in
    shortage sectors, and credentials of other institutions that teach largely the same skills."""
    from skillmatch.catalogue import Catalogue, offered_credentials
    from skillmatch.coverage import SECTORS, offer_coverage, overlap

    with errors():
        matcher = load_matcher(data_dir, encoder)
        offer = offered_credentials(Catalogue(open_store(database_url, data_dir), matcher))
        result = offer_coverage(offer, matcher.taxonomy, institution=institution,
                                sectors=sector or tuple(SECTORS), occupations=occupation or (), top=top)
        pairs = [p for p in overlap(offer, matcher.taxonomy, min_similarity=min_similarity)
                 if institution is None or institution in (p.a_issuer, p.b_issuer)]
        if json_output:
            data = result.to_dict()
            data["overlap"] = [{"a": p.a, "b": p.b, "a_title": p.a_title, "b_title": p.b_title,
                                "similarity": round(p.similarity, 4), "shared": [u for u, _l in p.shared],
                                "reason": p.reason} for p in pairs]
            out.print_json(data=data)
            return
        out.print(f"[bold]{institution or 'whole catalogue'}[/]: {result.credentials} credentials, "
                  f"{len(result.skills)} ESCO skills")
        table = Table("occupation", "coverage", "essential covered", title="best covered occupations")
        for occ in result.occupations:
            table.add_row(occ.label, f"{occ.coverage:.0%}", f"{occ.essential_covered}/{occ.essential_total}")
        out.print(table)
        for name, gaps in result.sector_gaps.items():
            table = Table("occupation", "coverage", "missing essentials",
                          title=f"sector {name}: least covered")
            for occ in gaps[:5]:
                missing = ", ".join(label for _u, label in occ.missing_essential[:6])
                table.add_row(occ.label, f"{occ.coverage:.0%}", missing)
            out.print(table)
        table = Table("credential", "other institution's credential", "similarity", "why", title="overlap")
        for p in pairs[:top]:
            table.add_row(f"{p.a_title} ({p.a_issuer})", f"{p.b_title} ({p.b_issuer})", f"{p.similarity:.2f}", p.reason)
        out.print(table)
