"""What the command line and the HTTP API both do, done once here: read the occupation or the
role a person means from what they typed, read a learner's wallet into a skills passport, and
turn a passport into the constraints of a recommendation. The faces parse their input, call these
and show the answer; the errors raised here are skillmatch errors, which each face translates.

>>> target = resolve_occupation("energieanalist", matcher)                          # doctest: +SKIP
>>> wallet = wallet_passport([(str(p), p) for p in files], matcher, store=store)     # doctest: +SKIP
>>> constraints = learner_constraints(wallet.passport, max_ects=30)                 # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import TypeAdapter

from skillmatch.candidates import Role, role_from_occupation
from skillmatch.catalogue import CatalogueBadges
from skillmatch.credentials import Credential, TrustList, Verification, read_contents, read_wallet, what_it_is
from skillmatch.domain import HeldSkill, Passport, SkillProfile, profile_from_passport
from skillmatch.errors import CredentialError, InputError, MatcherUnavailableError, VerificationError
from skillmatch.gaps import ESSENTIAL_WEIGHT, prepare
from skillmatch.matching import Matcher, vacancy_title
from skillmatch.matching.background import BackgroundMatcher
from skillmatch.passport import build_passport, credential_links
from skillmatch.recommend import Constraints
from skillmatch.store import CatalogueStore
from skillmatch.store.accounts import AccountStore, HeldDocument
from skillmatch.taxonomy import ConceptKind, Taxonomy

#: Skills taken from a vacancy's text, on top of its occupation's profile.
VACANCY_SKILLS = 20

RoleKind = Literal["occupation", "title", "vacancy"]
#: A credential document as :func:`skillmatch.credentials.read_contents` takes it.
RawCredential = str | bytes | Mapping[str, Any] | Path


# -- occupations and roles --------------------------------------------------------------------


@dataclass(frozen=True)
class ResolvedOccupation:
    """The ESCO occupation a person named, and how their words were read."""

    uri: str
    #: How a job title or text was read, to show the person who typed it; None for a URI.
    read_as: str | None = None


def prepare_advice(loading: BackgroundMatcher) -> None:
    """On a daemon thread, once ``loading``'s taxonomy is there, build what a process's first gap
    would otherwise work out while its reads wait (``gaps.prepare``)."""

    def work() -> None:
        try:
            prepare(loading.taxonomy)
        except MatcherUnavailableError:
            pass  # the service reports a failed load itself (health, 503)

    threading.Thread(target=work, name="advice preparing", daemon=True).start()


def resolve_occupation(target: str, matcher: Matcher | BackgroundMatcher) -> ResolvedOccupation:
    """The ESCO occupation ``target`` means: a URI as given, or the occupation a job title or a
    vacancy text (in any language) matches best. A URI needs only the taxonomy, so a matcher
    loading in the background is waited for only for a text.

    Raises UnknownConceptError for a URI the taxonomy lacks, and InputError for the URI of a
    concept that is not an occupation and for a text that matches no occupation.
    """
    if _is_uri(target):
        concept = matcher.taxonomy.get(target)
        if concept.kind is not ConceptKind.OCCUPATION:
            raise InputError(f"{target!r} is an ESCO {concept.kind.value} ({concept.label()!r}), not an occupation")
        return ResolvedOccupation(concept.uri)
    if isinstance(matcher, BackgroundMatcher):
        matcher = matcher.matcher
    best = matcher.match_occupations(target, top_k=1)
    if not best:
        raise InputError(f"no ESCO occupation matches {target!r}")
    return ResolvedOccupation(best[0].uri, f"{target!r} read as the ESCO occupation {best[0].label!r} "
                                           f"({best[0].uri}, confidence {best[0].confidence:.2f})")


def resolve_role(role: str, matcher: Matcher, *, kind: RoleKind | None = None) -> Role:
    """The role an employer asks for: an ESCO occupation URI, a job title or a vacancy text, as
    ``kind`` says (by default a URI is an occupation and any other text a job title); see
    :func:`role_from_text` for titles and vacancies."""
    if kind is None:
        kind = "occupation" if _is_uri(role.strip()) else "title"
    if kind == "occupation":
        return role_from_occupation(role.strip(), matcher.taxonomy)
    return role_from_text(role, matcher, kind=kind)


def role_from_text(text: str, matcher: Matcher, *, kind: Literal["title", "vacancy"] = "title") -> Role:
    """The role for a job title or a whole vacancy text, through the matcher.

    A title becomes the best matching ESCO occupation's role. A vacancy becomes that too, blended
    with the skills the matcher finds in its text (``VACANCY_SKILLS`` at most): each weighs
    ``ESSENTIAL_WEIGHT`` × its confidence, or its weight in the profile where that is more, and the
    ones the matcher links (not merely suggests) are essential as well, since the employer wrote
    them down. The label says which occupation was chosen, from what, and how surely.

    Raises InputError for an empty or too long text, an unknown ``kind``, or a text that matches no
    occupation.
    """
    if kind not in ("title", "vacancy"):
        raise InputError(f"kind must be 'title' or 'vacancy', not {kind!r}")
    found = matcher.match_occupations(text, top_k=1)
    if not found:
        raise InputError(f"no ESCO occupation matches {text!r}")
    best = found[0]
    role = role_from_occupation(best.uri, matcher.taxonomy)
    if kind == "title":
        return replace(role, label=f"{role.label} (ESCO occupation for the title {text.strip()!r}, "
                                   f"confidence {best.confidence:.2f})")
    skills = dict(role.skills)
    matches = matcher.match_skills(text, top_k=VACANCY_SKILLS)
    for match in matches:
        skills[match.uri] = max(skills.get(match.uri, 0.0), ESSENTIAL_WEIGHT * match.confidence)
    linked = {m.uri for m in matches if m.status == "linked"}
    head = vacancy_title(text) or " ".join(text.split())[:60]
    label = (f"{role.label} (ESCO occupation for the vacancy {head!r}, confidence {best.confidence:.2f}, "
             f"with {len(matches)} skills found in its text, {len(linked)} of them linked)")
    return Role(label=label, skills=skills, essential=role.essential | linked, occupation=best.uri)


def _is_uri(text: str) -> bool:
    return text.startswith(("http://", "https://"))


# -- wallets and passports --------------------------------------------------------------------

@dataclass(frozen=True)
class WalletPassport:
    """A wallet's passport, and what became of each of the wallet's documents."""

    passport: Passport
    #: Positions in the wallet of the documents the passport's credentials come from, in order
    #: (a learner record's position once for each of its credentials).
    held: tuple[int, ...]
    #: ``(position in the wallet, why)`` of each document that does not read, does not verify or
    #: holds no credential (a badge class, an issuer profile, an endorsement that none names).
    rejected: tuple[tuple[int, str], ...]
    #: Positions of the documents that completed others: hosted badge classes and issuer
    #: profiles, endorsements of a held credential.
    supporting: tuple[int, ...] = ()


def read_held(document: RawCredential, *, source: str, store: CatalogueStore,
              trust: TrustList | None = None) -> tuple[Credential, ...]:
    """The credentials someone holds in a document (one, or each of a learner record's), verified
    against ``trust``; an Open Badges 2.0 assertion that names its badge class by URL finds it in
    the catalogue (nothing is fetched).

    Raises CredentialError for a document that does not read or holds no credential (a badge
    class, an issuer profile, an endorsement: the message says which), and VerificationError for
    one altered after signing.
    """
    contents = read_contents(document, source=source, trust=trust, badge_classes=CatalogueBadges(store))
    if not contents.credentials:
        raise CredentialError(what_it_is(contents), source=source)
    return contents.credentials


def wallet_passport(wallet: Sequence[tuple[str, RawCredential]], matcher: Matcher, *, store: CatalogueStore,
                    trust: TrustList | None = None, holder: Collection[str] | None = None) -> WalletPassport:
    """The passport of the credentials in ``wallet``, given as ``(source, document)`` pairs (the
    source names a document in errors), read together by
    :func:`skillmatch.credentials.read_wallet`: badge classes and issuer profiles given as files
    complete the assertions that name them, the catalogue's too. The documents that fail are
    returned with the reason instead, and the passport is built from the others, with the
    catalogue's skills and reviews for the credentials it holds. ``holder``: the identifiers of
    the learner whose wallet it is."""
    read = read_wallet(wallet, trust=trust, badge_classes=CatalogueBadges(store))
    credentials = [credential for _position, credential in read.credentials]
    return WalletPassport(build_passport(credentials, matcher, catalogue=store, holder=holder),
                          tuple(position for position, _credential in read.credentials), read.rejected,
                          read.supporting)


# -- learners' stored passports ----------------------------------------------------------------

#: Raised when a change of the code changes what a stored passport holds, so that all are rebuilt.
PASSPORT_FORMAT = 2


@dataclass(frozen=True)
class RejectedHeld:
    """A held credential that no longer reads or verifies (after a change of the trust list)."""

    held_id: str
    title: str
    problem: str


@dataclass(frozen=True)
class LearnerPassport:
    """A learner's passport built from the credentials they hold (:class:`LearnerPassports`)."""

    learner_id: str
    passport: Passport
    #: The held credentials the passport's credentials come from (their ids), in the same order.
    held_ids: tuple[str, ...]
    rejected: tuple[RejectedHeld, ...] = ()

    def profile(self, *, evidence: bool = True, claimed: bool = False) -> SkillProfile:
        """The proven skills (and with ``claimed`` the claimed ones), with their evidence unless
        ``evidence`` is False."""
        profile = profile_from_passport(self.passport, claimed=claimed)
        if evidence:
            return profile
        return {uri: replace(skill, evidence=()) for uri, skill in profile.items()}


@dataclass(frozen=True)
class StoredLearnerPassport:
    """A learner's passport as stored: the domain object, the JSON a face answers with (rendered
    when it was built), and the digest of its inputs, which names this version of it (an ETag)."""

    passport: LearnerPassport
    public: str
    inputs: str
    version: int
    #: Answers that follow from this version alone (a gap to an occupation), as rendered, by what
    #: was asked: worked out once per version instead of on every read.
    answers: dict[tuple[str, ...], str] = field(default_factory=dict, compare=False, repr=False)
    #: Held while an answer is worked out: the requests that ask the same meanwhile wait for it
    #: rather than each working it out again (five at once made a first gap 140-560 ms under load).
    _working: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    #: Distinct questions kept per version: a learner looks at a handful of roles at a time.
    MAX_ANSWERS: ClassVar[int] = 64

    def answer(self, question: tuple[str, ...], work_out: Callable[[], str]) -> str:
        """The rendered answer to ``question``: as worked out before for this version, else by
        ``work_out()`` and kept (the oldest answer makes way beyond :attr:`MAX_ANSWERS`)."""
        found = self.answers.get(question)
        if found is not None:
            return found
        with self._working:
            found = self.answers.get(question)
            if found is None:
                found = work_out()
                if len(self.answers) >= self.MAX_ANSWERS:
                    self.answers.pop(next(iter(self.answers)), None)
                self.answers[question] = found
        return found


_STORED = TypeAdapter(LearnerPassport)


class LearnerPassports:
    """Learners' passports, built when one of their inputs changes and otherwise read as stored.

    A passport's inputs are the learner's held credentials (each with the matcher that mapped its
    skills and the trust list that checked its signature), the identifiers registered for the
    learner, the catalogue records of the credentials it holds (their revisions: a re-import, a
    re-mapping, a review, a confirmed award), the trust list and the matcher. A read compares the
    digest of those, which costs a few small queries, with the stored passport's: equal, it is
    answered as stored; different, the passport is built again, once, and stored for everyone.
    ``render`` turns a passport into the JSON the face answers with, so that is stored too.

    While the matcher is still loading (a service that just started), a stored passport is taken
    as current if all its other inputs stand: the matcher changes only with a new release of the
    taxonomy, the model or the settings, and the first read once it has loaded builds again then.

    >>> passports = LearnerPassports(accounts, store, background, trust, render=json_of)   # doctest: +SKIP
    >>> passports.read(learner_id).passport.profile()                                   # doctest: +SKIP
    """

    def __init__(self, accounts: AccountStore, store: CatalogueStore, matcher: BackgroundMatcher,
                 trust: TrustList | None, *, render: Callable[[LearnerPassport], str], cache_size: int = 4096) -> None:
        self.accounts, self.store, self.matcher, self.trust, self.render = accounts, store, matcher, trust, render
        self.cache_size = cache_size
        self._cache: OrderedDict[str, StoredLearnerPassport] = OrderedDict()
        self._guard = threading.Lock()
        self._building: dict[str, threading.Lock] = {}

    @property
    def trust_fingerprint(self) -> str:
        return self.trust.fingerprint if self.trust is not None else "no trust list"

    def read(self, learner_id: str) -> StoredLearnerPassport:
        """The learner's passport as its inputs stand now: as stored while they stand, else built
        again (concurrent reads of one learner in this process wait for one build)."""
        inputs = self._standing(learner_id)
        found = self._held(learner_id, inputs) or self._load(learner_id, inputs)
        if found is not None:
            return found
        with self._lock_of(learner_id):
            inputs = self._standing(learner_id)  # another thread may have built it meanwhile
            return self._held(learner_id, inputs) or self._load(learner_id, inputs) or self._build(learner_id)

    def current(self, learner_id: str) -> StoredLearnerPassport | None:
        """The passport as this process holds it, while its inputs stand: a few small reads, with
        no build and no load of the stored passport (for which see :meth:`read`); else None."""
        return self._held(learner_id, self._standing(learner_id))

    def _held(self, learner_id: str, inputs: str | None) -> StoredLearnerPassport | None:
        """The passport this process holds if it is the version of digest ``inputs``."""
        if inputs is None:
            return None
        with self._guard:
            cached = self._cache.get(learner_id)
            if cached is None or cached.inputs != inputs:
                return None
            self._cache.move_to_end(learner_id)
            return cached

    def _load(self, learner_id: str, inputs: str | None) -> StoredLearnerPassport | None:
        """The stored passport if it is the version of digest ``inputs``, read from the database
        (another process may have built it), else None."""
        stored = self.accounts.stored_passport(learner_id) if inputs is not None else None
        if stored is None or stored.inputs != inputs:
            return None
        return self._remember(learner_id, StoredLearnerPassport(_STORED.validate_python(stored.passport),
                                                                stored.public, stored.inputs, stored.version))

    def _standing(self, learner_id: str) -> str | None:
        """The stored passport's digest if its inputs stand as they are now, else None."""
        stamp = self.accounts.passport_stamp(learner_id)
        if stamp is None:
            return None
        loaded = self.matcher.loaded
        matcher = loaded.fingerprint_ if loaded is not None else stamp.matcher
        if self._inputs(matcher, stamp.identifiers, stamp.held, stamp.revisions) != stamp.inputs:
            return None
        return stamp.inputs

    def _build(self, learner_id: str) -> StoredLearnerPassport:
        matcher = self.matcher.matcher
        stamps = self.accounts.held_stamps(learner_id)
        documents = {d.id: d for d in self.accounts.held(learner_id)}
        trust_fingerprint = self.trust_fingerprint
        credentials: list[Credential] = []
        held: list[HeldDocument] = []
        rejected: list[RejectedHeld] = []
        for held_id, _mapped_with, _verified_with in stamps:
            document = documents.get(held_id)
            if document is None:
                continue  # removed since the stamps were read: the next read builds again
            try:
                credential = self._credential(document, trust_fingerprint)
            except CredentialError as exc:
                rejected.append(RejectedHeld(document.id, document.title, exc.problem))
                continue
            if document.mapped_with != matcher.fingerprint_:
                links = credential_links(credential, matcher)
                self.accounts.remap_held(document.id, links, matcher.fingerprint_)
                document = replace(document, links=links, mapped_with=matcher.fingerprint_)
            credentials.append(credential)
            held.append(document)
        catalogue_ids = sorted({c.achievement.id for c in credentials if c.achievement.id})
        # The digest is taken of what was read before building, so a change made meanwhile
        # leaves it behind and the next read builds again.
        holder = self.accounts.identifiers(learner_id)
        inputs = self._inputs(matcher.fingerprint_, holder, self.accounts.held_stamps(learner_id),
                              self.store.revisions(catalogue_ids))
        passport = build_passport(credentials, matcher, catalogue=self.store, holder=holder,
                                  mapped=[d.links for d in held])
        built = LearnerPassport(learner_id, passport, tuple(d.id for d in held), tuple(rejected))
        stored = self.accounts.store_passport(learner_id, inputs=inputs, matcher=matcher.fingerprint_,
                                              catalogue_ids=catalogue_ids,
                                              passport=_STORED.dump_python(built, mode="json"),
                                              public=self.render(built))
        return self._remember(learner_id, StoredLearnerPassport(built, stored.public, inputs, stored.version))

    def _credential(self, document: HeldDocument, trust_fingerprint: str) -> Credential:
        """A held credential read from its document, with the signature check stored for the
        trust list of the day or, when the list changed, checked again and stored."""
        known = document.verification if document.verified_with == trust_fingerprint else None
        if known is not None and "rejected" in known:
            raise VerificationError(known["rejected"])
        if known is not None:
            credential = _one(read_held(document.document, source=document.title, store=self.store), document)
            return replace(credential, verification=Verification(**known))
        try:
            credential = _one(read_held(document.document, source=document.title, store=self.store,
                                        trust=self.trust), document)
        except VerificationError as exc:
            self.accounts.keep_verification(document.id, {"rejected": exc.problem}, trust_fingerprint)
            raise
        self.accounts.keep_verification(document.id, asdict(credential.verification), trust_fingerprint)
        return credential

    def _inputs(self, matcher: str, holder: Sequence[str], stamps: Sequence[tuple[str, str | None, str | None]],
                revisions: Mapping[str, int]) -> str:
        inputs = [PASSPORT_FORMAT, matcher, self.trust_fingerprint, list(holder), [list(stamp) for stamp in stamps],
                  sorted(revisions.items())]
        return hashlib.sha256(json.dumps(inputs).encode()).hexdigest()[:32]

    def _remember(self, learner_id: str, stored: StoredLearnerPassport) -> StoredLearnerPassport:
        with self._guard:
            self._cache[learner_id] = stored
            self._cache.move_to_end(learner_id)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return stored

    def _lock_of(self, learner_id: str) -> threading.Lock:
        with self._guard:
            return self._building.setdefault(learner_id, threading.Lock())


def _one(credentials: tuple[Credential, ...], document: HeldDocument) -> Credential:
    """The held credential a stored document stands for: a learner record is stored once for each
    of its credentials, told apart by the credential's id."""
    found = [c for c in credentials if c.id == document.credential_id] if len(credentials) > 1 else credentials
    if not found:
        raise CredentialError(f"the document no longer holds the credential {document.credential_id}",
                              source=document.title)
    return found[0]


def profile_from_passport_file(path: Path, taxonomy: Taxonomy) -> SkillProfile:
    """The proven skills of a passport file as ``skillmatch passport build --json`` (or the API's
    export) writes it, each with its credentials as evidence. Raises InputError for a file that
    is not such a passport or names a skill the taxonomy lacks."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        profile = {}
        for skill in data["skills"]:
            concept = taxonomy.get(skill["uri"])
            evidence = tuple(f"{e['credential']} ({e['origin']})" for e in skill.get("evidence", []))
            profile[concept.uri] = HeldSkill(concept.uri, concept.label("en"), float(skill["confidence"]), evidence)
        return profile
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{path} is not a passport written by `skillmatch passport build --json` "
                         f"({exc.__class__.__name__}: {exc})") from exc


# -- recommendations --------------------------------------------------------------------------


def learner_constraints(passport: Passport, *, max_ects: float | None = None, max_eqf: int | None = None,
                        languages: Iterable[str] | None = None, institutions: Iterable[str] | None = None,
                        formats: Iterable[str] | None = None) -> Constraints:
    """The constraints of a recommendation for the holder of ``passport``: the credentials they
    hold are left out and their highest EQF level is where the next credential should sit; the
    rest is what they asked for (no or an empty list of languages, institutions or formats means
    any)."""
    levels = [c.eqf_level for c in passport.credentials if c.eqf_level]
    return Constraints(
        max_ects=max_ects, max_eqf=max_eqf, learner_eqf=max(levels) if levels else None,
        exclude=frozenset(c.achievement_id for c in passport.credentials if c.achievement_id),
        languages=_any_of(languages), institutions=_any_of(institutions), formats=_any_of(formats))


def _any_of(values: Iterable[str] | None) -> frozenset[str] | None:
    chosen = frozenset(values or ())
    return chosen or None
