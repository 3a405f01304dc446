"""An institution's offer: import credentials, map their learning outcomes to ESCO skills, review
the suggestions, and export the enriched credentials.

>>> catalogue = Catalogue(CatalogueStore.open(None, data_dir), matcher)     # doctest: +SKIP
>>> report = catalogue.import_paths([Path("offer/")])                       # doctest: +SKIP
>>> catalogue.review(report.added[0], skill_uri, "confirmed")               # doctest: +SKIP

Issuer-made ESCO alignments are kept and marked ``issuer``; the matcher's are ``inferred``.
Re-mapping is incremental: only credentials whose document changed, or that were mapped by
another matcher (taxonomy, encoder or settings), are mapped again; reviews are stored apart
and always win.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from skillmatch.credentials import (
    Achievement,
    Alignment,
    Contents,
    Credential,
    CredentialFormat,
    check_elements,
    elm,
    openbadges2,
    openbadges3,
    read_contents,
    read_credential,
    read_offer_csv,
    what_it_is,
)
from skillmatch.credentials.document import parse
from skillmatch.credentials.wallet import Hosted, is_hosted
from skillmatch.domain import (
    CredentialSkill,
    Decision,
    OfferedCredential,
    Review,
    SkillLink,
    credential_skills,
    taught_skills,
)
from skillmatch.errors import CredentialError, InputError, UnknownConceptError
from skillmatch.matching import Match, Matcher
from skillmatch.store import CatalogueStore, CredentialRecord
from skillmatch.taxonomy import Taxonomy

#: File endings read when a folder is imported.
CREDENTIAL_SUFFIXES = (".json", ".jsonld", ".jwt")
#: Skills the matcher proposes per credential (linked and suggested).
TOP_K = 10
#: Credentials mapped at once; a group's outcomes are encoded together.
REMAP_GROUP = 16

Progress = Callable[[str, int, int], None]


def offered_credentials(catalogue: Catalogue) -> list[OfferedCredential]:
    """Every credential of the catalogue with its skills."""
    offered = []
    for record in catalogue.records():
        achievement = catalogue.achievement(record)
        offered.append(OfferedCredential(
            id=record.id, title=record.title, issuer=record.issuer_name, country=record.country,
            eqf_level=achievement.eqf_level, ects=achievement.ects, hours=achievement.hours,
            language=achievement.language, format=record.format, stackable=achievement.stackable,
            prerequisites=achievement.prerequisites,
            skills=taught_skills(credential_skills(record))))
    return offered


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    #: (file, problem) for each file that could not be imported; the others are imported.
    failed: list[tuple[str, str]] = field(default_factory=list)
    #: (credential id, problem) for what was imported with a caveat.
    warnings: list[tuple[str, str]] = field(default_factory=list)
    mapped: list[str] = field(default_factory=list)


class Catalogue:
    """The catalogue workflow over a :class:`CatalogueStore` and a fitted :class:`Matcher`."""

    def __init__(self, store: CatalogueStore, matcher: Matcher) -> None:
        self.store = store
        self.matcher = matcher

    # -- import -------------------------------------------------------------------------------

    def import_paths(self, paths: Sequence[Path], *, progress: Progress | None = None) -> ImportReport:
        """Import JSON credential files, folders of them, and CSV tables of an offer, then map
        what is new or stale. A file that cannot be read is reported and skipped."""
        report = ImportReport()
        for path in paths:
            if not Path(path).exists():
                report.failed.append((str(path), "no such file or folder"))
        files = [file for file in _files(paths)]
        hosted, parsed = self._hosted(files, report)
        named: set[str | None] = set()  # the issuers of what was imported: their profiles were used
        for number, file in enumerate(files, 1):
            try:
                achievements = self._read(file, parsed.get(file), hosted)
            except CredentialError as exc:
                report.failed.append((str(file), str(exc)))
                continue
            for achievement in achievements:
                named.add(achievement.issuer.id)
                self._store(achievement, str(file), report)
            if progress:
                progress("importing credentials", number, len(files))
        for file, contents in parsed.items():
            for issuer in contents.issuers if isinstance(contents, Contents) else ():
                if issuer.id not in named:
                    report.failed.append((str(file), str(CredentialError(what_it_is(contents), source=str(file)))))
        report.mapped = self.remap(progress=progress)
        return report

    def _hosted(self, files: Sequence[Path], report: ImportReport) -> tuple[Hosted, dict[Path, Any]]:
        """The badge classes and issuer profiles among ``files`` (read first, so that the
        assertions naming them by URL find them whatever the order), and each JSON file parsed
        (read as contents where it is one of those)."""
        parsed: dict[Path, Any] = {}
        for file in files:
            if file.suffix.lower() == ".csv":
                continue
            try:
                data = parse(file, str(file))
                parsed[file] = read_contents(data, source=str(file)) if is_hosted(data) else data
            except CredentialError as exc:
                report.failed.append((str(file), str(exc)))
        return Hosted.of(c for c in parsed.values() if isinstance(c, Contents)), parsed

    def import_achievements(self, achievements: Sequence[Achievement], *, source: str) -> ImportReport:
        """Import credentials already read (an upload, say), then map what is new or stale;
        ``source`` says where they came from."""
        report = ImportReport()
        for achievement in achievements:
            self._store(achievement, source, report)
        report.mapped = self.remap()
        return report

    def _read(self, file: Path, data: Any, hosted: Hosted) -> list[Achievement]:
        """The achievements of a file: a CSV offer's rows, a badge class given as a file (named
        after its issuer where its profile was given too), what a credential or each credential of
        a learner record certifies; ``data`` is the file parsed (None: unreadable, reported)."""
        if file.suffix.lower() == ".csv":
            return read_offer_csv(file)
        if data is None:
            return []
        if isinstance(data, Contents):
            return [hosted.badge_classes.get(a.id or "", a) for a in data.achievements]
        contents = read_contents(data, source=str(file), badge_classes=hosted.resolver(CatalogueBadges(self.store)))
        if not contents.credentials and not contents.achievements:
            raise CredentialError(what_it_is(contents), source=str(file))
        return [*(c.achievement for c in contents.credentials), *contents.achievements]

    def _store(self, achievement: Achievement, source: str, report: ImportReport) -> None:
        if not achievement.id:
            report.failed.append((source, "the credential has no id, so it cannot be told apart in the catalogue"))
            return
        links, warnings = issuer_links(achievement, self.matcher.taxonomy)
        report.warnings.extend((achievement.id, warning) for warning in warnings)
        document = _document(achievement)
        record = CredentialRecord(
            id=achievement.id, format=achievement.format.value, title=achievement.name, document=document,
            content_hash=_hash(document), issuer_id=achievement.issuer.id, issuer_name=achievement.issuer.name,
            country=achievement.issuer.country, eqf_level=achievement.eqf_level, ects=achievement.ects,
            language=achievement.language, source=source, links=tuple(links),
        )
        outcome = self.store.upsert(record)
        getattr(report, outcome).append(achievement.id)

    # -- mapping ------------------------------------------------------------------------------

    def remap(self, *, force: bool = False, progress: Progress | None = None) -> list[str]:
        """Map the credentials that are new, changed, or mapped by another matcher (all with ``force``)."""
        fingerprint = self.matcher.fingerprint_
        ids = self.store.stale(fingerprint, every=force)
        done: list[str] = []
        for start in range(0, len(ids), REMAP_GROUP):
            records = self.store.credentials(ids[start : start + REMAP_GROUP])
            for record, links in zip(records, inferred_links(self.matcher, records), strict=True):
                self.store.replace_inferred(record.id, links, fingerprint)
                done.append(record.id)
            if progress:
                progress("mapping learning outcomes", len(done), len(ids))
        return done

    # -- reading back -------------------------------------------------------------------------

    def achievement(self, record: CredentialRecord) -> Achievement:
        return read_document(record.document, source=record.id)

    def records(self) -> list[CredentialRecord]:
        return self.store.credentials()

    def skills(self, credential_id: str) -> list[CredentialSkill]:
        return credential_skills(self.store.get(credential_id))

    # -- review -------------------------------------------------------------------------------

    def review(self, credential_id: str, skill_uri: str, decision: Decision, *, reviewer: str | None = None,
               note: str | None = None) -> Review:
        """Confirm or reject a skill of a credential (see :func:`review_skill`); it must be a skill
        of the loaded ESCO release."""
        concept = self.matcher.taxonomy.get(skill_uri)
        return review_skill(self.store, credential_id, concept.uri, decision, reviewer=reviewer, note=note)

    # -- export -------------------------------------------------------------------------------

    def export(self, folder: Path, *, fmt: CredentialFormat = CredentialFormat.OB2) -> list[Path]:
        """Write each credential, enriched with its accepted ESCO skills, in ``fmt``, plus
        ``catalogue.json`` with every skill's origin, confidence, evidence and review, and the
        EU 2022 element check of each credential."""
        folder.mkdir(parents=True, exist_ok=True)
        written, summary = [], []
        for record in self.store.credentials():
            achievement = self.achievement(record)
            skills = credential_skills(record)
            path = folder / f"{_slug(record.id)}.json"
            path.write_text(json.dumps(enriched(achievement, skills, fmt), indent=2, ensure_ascii=False) + "\n",
                            encoding="utf-8")
            written.append(path)
            summary.append(_summary(record, achievement, skills, path.name))
        index = folder / "catalogue.json"
        index.write_text(json.dumps({"credentials": summary}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return [*written, index]


def review_skill(store: CatalogueStore, credential_id: str, skill_uri: str, decision: Decision, *,
                 reviewer: str | None = None, note: str | None = None) -> Review:
    """Confirm or reject one of a credential's skills: one its issuer aligned or the matcher linked
    or suggested. Any other URI (another skill, an occupation) is refused, as there is nothing of
    the credential's for the decision to be about."""
    found = store.credentials([credential_id])
    if not found:
        raise InputError(f"no credential {credential_id!r} in the catalogue")
    if skill_uri not in {skill.link.skill_uri for skill in credential_skills(found[0])}:
        raise InputError(f"{skill_uri} is not a skill of {credential_id}: a review confirms or rejects one of the "
                         "skills listed with the credential")
    return store.review(credential_id, skill_uri, decision, reviewer=reviewer, note=note)


class CatalogueBadges(Mapping[str, Achievement]):
    """The catalogue's badge classes by id, read when asked for: an Open Badges 2.0 assertion may
    name its badge class by URL, and only those few are needed, not the whole catalogue."""

    def __init__(self, store: CatalogueStore) -> None:
        self.store = store

    def __getitem__(self, credential_id: str) -> Achievement:
        found = self.store.credentials([credential_id])
        if not found:
            raise KeyError(credential_id)
        return read_document(found[0].document, source=credential_id)

    def __iter__(self) -> Iterator[str]:
        return (record.id for record in self.store.credentials())

    def __len__(self) -> int:
        return len(self.store.credentials())


def inferred_links(matcher: Matcher, records: Sequence[CredentialRecord]) -> list[list[SkillLink]]:
    """Each credential's inferred links, each outcome keeping its best skills. The group's
    credentials share the scoring, but each is encoded apart, as it is mapped alone: its skills do
    not depend on which credentials it was imported or re-mapped with."""
    blocks = [outcome_texts(read_document(record.document, source=record.id)) for record in records]
    mappable = [i for i, block in enumerate(blocks) if block]
    matches = matcher.match_outcomes_batch([blocks[i] for i in mappable], top_k=TOP_K, every_outcome=True,
                                           requests=list(range(len(mappable))))
    found = dict(zip(mappable, matches, strict=True))
    return [[inferred_link(match, matcher.taxonomy) for match in found.get(i, [])] for i in range(len(records))]


def outcome_texts(achievement: Achievement) -> list[str]:
    """The texts to match: each outcome in English where the issuer gave it (ESCO's labels are
    English first), else as written; a credential without outcomes is matched on its title and
    description."""
    texts = [outcome.translations.get("en") or outcome.text for outcome in achievement.outcomes]
    texts = [text.strip() for text in texts if text and text.strip()]
    if texts:
        return texts
    fallback = " ".join(part for part in (achievement.name, achievement.description) if part)
    return [fallback[:2000]] if fallback.strip() else []


def enriched(achievement: Achievement, skills: Sequence[CredentialSkill], fmt: CredentialFormat) -> dict:
    """The credential in ``fmt`` with its accepted skills as ESCO alignments, strongest first (the
    writers keep the issuer's own first and cap OB 2.0 at edubadges' 7). ELM ties skills to
    outcomes: each skill goes to the outcome it was matched on."""
    rejected = {s.link.skill_uri for s in skills if s.state == "rejected"}
    kept = replace(achievement, alignments=tuple(a for a in achievement.alignments if a.uri not in rejected))
    accepted = [s for s in skills if s.accepted]
    alignments = [Alignment(s.link.skill_uri, s.link.label, "ESCO", code=s.link.skill_uri.rsplit("/", 1)[-1])
                  for s in accepted]
    if fmt is CredentialFormat.OB2:
        return openbadges2.write_badge_class(kept, alignments)
    if fmt is CredentialFormat.OB3:
        return openbadges3.write_achievement(kept, alignments)
    position = {text: i for i, outcome in enumerate(kept.outcomes)
                for text in (outcome.text, *outcome.translations.values())}
    per_outcome: dict[int, list[Alignment]] = {}
    loose = []
    for skill, alignment in zip(accepted, alignments, strict=True):
        outcome = skill.evidence.outcome
        if outcome in position:
            per_outcome.setdefault(position[outcome], []).append(alignment)
        else:
            loose.append(alignment)
    return elm.write_achievement(kept, per_outcome, loose)


def read_document(document: dict, *, source: str) -> Achievement:
    """The achievement in a stored document (a held credential's document gives its achievement)."""
    item = read_credential(document, source=source)
    return item.achievement if isinstance(item, Credential) else item


def _document(achievement: Achievement) -> dict:
    """The document stored for an achievement: in its own format, as the writers render it, so
    every stored credential reads back through one reader whatever file it came from."""
    if achievement.format is CredentialFormat.OB3:
        return openbadges3.write_achievement(achievement)
    if achievement.format is CredentialFormat.ELM:
        return elm.write_achievement(achievement)
    return openbadges2.write_badge_class(achievement)


def issuer_links(achievement: Achievement, taxonomy: Taxonomy) -> tuple[list[SkillLink], list[str]]:
    """The issuer's ESCO alignments as links (an outcome's alignment keeps that outcome's text),
    and a warning for each alignment to a URI the loaded ESCO release lacks, which is not linked.
    Alignments to other frameworks are left out; a skill aligned twice is linked once, where it
    was aligned first (the whole credential before its outcomes)."""
    links: dict[str, SkillLink] = {}
    warnings = []
    for alignment, outcome in _issuer_alignments(achievement):
        if not alignment.is_esco:
            continue
        try:
            concept = taxonomy.get(alignment.uri)
        except UnknownConceptError:
            warnings.append(f"issuer alignment to {alignment.uri} ({alignment.name!r}) is not a concept of the "
                            "loaded ESCO release; not linked")
            continue
        links.setdefault(concept.uri, SkillLink(concept.uri, concept.label("en"), "issuer", outcome=outcome))
    return list(links.values()), warnings


def _issuer_alignments(achievement: Achievement) -> Iterator[tuple[Alignment, str | None]]:
    for alignment in achievement.alignments:
        yield alignment, None
    for outcome in achievement.outcomes:
        for alignment in outcome.alignments:
            yield alignment, outcome.text


def inferred_link(match: Match, taxonomy: Taxonomy) -> SkillLink:
    """A matcher's match as a stored link, labelled in English like the issuer's links (the
    Dutch or other label that matched is kept as ``matched``)."""
    return SkillLink(match.uri, taxonomy.get(match.uri).label("en"), "inferred", confidence=match.confidence,
                     score=match.score,
                     status=match.status, outcome=match.outcome, matched=match.matched,
                     matched_lang=match.matched_lang, form=match.form, reading=match.reading,
                     alternatives=tuple(uri for uri, _label in match.alternatives))


def _files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in map(Path, paths):
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*")
                              if p.is_file() and p.suffix.lower() in (*CREDENTIAL_SUFFIXES, ".csv"))
        elif path.is_file():
            yield path


def _hash(document: dict) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _slug(identifier: str) -> str:
    tail = identifier.rstrip("/").rsplit("/", 1)[-1] or identifier
    return re.sub(r"[^A-Za-z0-9._-]+", "-", tail).strip("-")[:80] or hashlib.sha256(identifier.encode()).hexdigest()


def _summary(record: CredentialRecord, achievement: Achievement, skills: Sequence[CredentialSkill],
             file: str) -> dict:
    check = check_elements(achievement)
    return {
        "id": record.id,
        "file": file,
        "title": record.title,
        "issuer": record.issuer_name,
        "eqf_level": record.eqf_level,
        "ects": record.ects,
        "eu_missing": list(check.missing),
        "skills": [
            {"uri": s.link.skill_uri, "label": s.link.label, "state": s.state, "origin": s.link.origin,
             "confidence": s.confidence, "outcome": s.evidence.outcome,
             "matched": s.evidence.matched,
             "review": None if s.review is None else {"decision": s.review.decision, "reviewer": s.review.reviewer,
                                                      "note": s.review.note,
                                                      "decided_at": s.review.decided_at.isoformat()}}
            for s in skills
        ],
    }

