"""One exception tree for the whole library.

Every error a caller can act on derives from :class:`SkillmatchError`; errors raised by
third-party libraries are translated into it (``raise ... from exc``) so callers never have
to know which parser or database sits underneath.
"""

from __future__ import annotations


class SkillmatchError(Exception):
    """Base class of every error skillmatch raises on purpose."""


class ConfigurationError(SkillmatchError):
    """A setting, path or option cannot be used as given."""


class MatcherUnavailableError(ConfigurationError):
    """The matcher could not be loaded (a missing or unreadable index, model or taxonomy), so
    nothing that needs it can be answered until the cause is mended and the service restarted."""


class InputError(SkillmatchError, ValueError):
    """Text or a request given to the engine cannot be used (empty, too long, malformed)."""


class DuplicateError(InputError):
    """A principal name, or a credential in a learner's passport, that is there already."""


class CredentialError(InputError):
    """A credential (Open Badges 2.0/3.0, ELM, VC-JWT) cannot be read: invalid JSON, an unknown
    format, a missing or mistyped field. ``source`` names the file or the credential id, ``field``
    the JSON path of the problem (``credentialSubject.achievement.name``)."""

    def __init__(self, problem: str, *, source: str | None = None, field: str | None = None) -> None:
        self.problem = problem
        self.source = source
        self.field = field
        where = ": ".join(part for part in (source, field) if part)
        super().__init__(f"{where}: {problem}" if where else problem)


class VerificationError(CredentialError):
    """A credential's signature or proof does not verify: it was altered after signing, or signed
    with another key than the one its issuer publishes in the trust list."""


class TaxonomySourceError(SkillmatchError):
    """An ESCO source (zip, folder, CSV or RDF file) cannot be read as ESCO.

    ``file`` and ``row`` locate the problem; ``row`` counts physical lines from 1 (the header),
    so it can be opened in an editor at that line.
    """

    def __init__(self, problem: str, *, file: str | None = None, row: int | None = None) -> None:
        self.problem = problem
        self.file = file
        self.row = row
        where = file or ""
        if file and row is not None:
            where = f"{file}, line {row}"
        super().__init__(f"{where}: {problem}" if where else problem)


class TaxonomyNotBuiltError(SkillmatchError):
    """No taxonomy store exists yet where one was expected."""


class StoreError(SkillmatchError):
    """A built store is unreadable, of another format version, or damaged."""


class UnknownConceptError(SkillmatchError, KeyError):
    """A URI that is not an ESCO concept of the loaded taxonomy."""

    def __init__(self, uri: str) -> None:
        self.uri = uri
        super().__init__(uri)

    def __str__(self) -> str:
        return f"unknown ESCO concept: {self.uri!r} is not in the loaded taxonomy"


def with_article(noun: str) -> str:
    """A noun with its indefinite article, for messages: "a learner", "an admin", "an occupation"."""
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"
