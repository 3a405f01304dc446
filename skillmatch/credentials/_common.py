"""Helpers the format readers and writers share: typed field access that names the JSON path in
every error, alignments, languages, outcome blocks and supervision labels."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, NoReturn
from urllib.parse import unquote

from skillmatch.credentials.model import Alignment, LearningOutcome
from skillmatch.errors import CredentialError, InputError
from skillmatch.outcomes import split_outcomes
from skillmatch.taxonomy.model import ESCO_BASE

#: edubadges rejects a BadgeClass with 8 or more alignments, so no writer emits more than this.
MAX_ALIGNMENTS = 7


def kind_of(value: object) -> str:
    """How a JSON value is named in error messages."""
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if value is None:
        return "null"
    return f"{value!r}"


def types_of(data: Mapping[str, Any]) -> set[str]:
    """The JSON-LD types of an object, whether ``type`` holds one string or a list."""
    value = data.get("type", data.get("@type"))
    return {t for t in as_list(value) if isinstance(t, str)}


def as_list(value: Any) -> list[Any]:
    """JSON-LD allows one value or a list of them; callers always get a list."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


class Fields:
    """Typed access to one JSON object; every error names the source and the field's JSON path."""

    def __init__(self, data: Any, *, source: str | None, path: str = "") -> None:
        if not isinstance(data, Mapping):
            raise CredentialError(f"expected an object, found {kind_of(data)}", source=source, field=path or None)
        self.data: Mapping[str, Any] = data
        self.source = source
        self.path = path

    def field(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def fail(self, key: str, problem: str) -> NoReturn:
        raise CredentialError(problem, source=self.source, field=self.field(key))

    def get(self, key: str) -> Any:
        return self.data.get(key)

    def text(self, key: str, *, required: bool = False) -> str | None:
        """A string (numbers are accepted as identifiers often are numeric); blank means absent."""
        value = self.data.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if value is not None and not isinstance(value, str):
            self.fail(key, f"expected text, found {kind_of(value)}")
        value = value.strip() if value else None
        if required and not value:
            self.fail(key, "required field is missing or empty")
        return value or None

    def number(self, key: str) -> float | None:
        """A non-negative number; numeric strings ("2,5") are accepted, words ("vijf") are not."""
        value = self.data.get(key)
        if value is None or value == "":
            return None
        number: float | None = None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            number = float(value)
        elif isinstance(value, str):
            try:
                number = float(value.strip().replace(",", "."))
            except ValueError:
                number = None
        if number is None or not math.isfinite(number):
            self.fail(key, f"expected a number, found {kind_of(value)}")
        if number < 0:
            self.fail(key, f"must not be negative, found {kind_of(value)}")
        return number

    def level(self, key: str, framework: str = "EQF") -> int | None:
        return check_level(self.data.get(key), framework, self, key)

    def flag(self, key: str) -> bool | None:
        value = self.data.get(key)
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _FLAGS:
            return _FLAGS[value.strip().lower()]
        self.fail(key, f"expected true or false, found {kind_of(value)}")

    def date(self, key: str) -> datetime | None:
        value = self.data.get(key)
        if value is None or value == "":
            return None
        try:
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return datetime.fromtimestamp(value, UTC)
            if isinstance(value, str):
                moment = datetime.fromisoformat(value.strip())
                return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        except (ValueError, OverflowError, OSError):
            pass
        self.fail(key, f"expected an ISO 8601 date and time, found {kind_of(value)}")

    def obj(self, key: str, *, required: bool = False) -> Fields | None:
        """The object at ``key`` (the first one where JSON-LD gives a list)."""
        items = self.objects(key)
        if required and not items:
            self.fail(key, "required object is missing")
        return items[0] if items else None

    def objects(self, key: str) -> list[Fields]:
        value = self.data.get(key)
        if isinstance(value, list):
            return [Fields(item, source=self.source, path=f"{self.field(key)}[{i}]") for i, item in enumerate(value)]
        return [] if value is None else [Fields(value, source=self.source, path=self.field(key))]

    def strings(self, key: str) -> tuple[str, ...]:
        values = as_list(self.data.get(key))
        for i, value in enumerate(values):
            if not isinstance(value, str):
                raise CredentialError(f"expected text, found {kind_of(value)}", source=self.source,
                                      field=f"{self.field(key)}[{i}]")
        return tuple(v.strip() for v in values if v.strip())


_FLAGS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


def id_or_text(data: Fields, key: str, text_key: str | None = None) -> str | None:
    """An Open Badges value given as text or as an object: ``{"id": url}`` for an image, also
    ``{"narrative": text}`` for criteria (the text wins)."""
    if not isinstance(data.get(key), Mapping):
        return data.text(key)
    item = Fields(data.get(key), source=data.source, path=data.field(key))
    return (item.text(text_key) if text_key else None) or item.text("id")


def check_level(value: Any, framework: str, where: Fields, key: str) -> int | None:
    """An EQF/NLQF level: a whole number from 1 to 8, given as a number or numeric text."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 8:
        where.fail(key, f"{framework} level must be a whole number from 1 to 8, found {kind_of(value)}")
    return value


def read_alignment(item: Fields) -> Alignment:
    """An Open Badges alignment object (2.0 and 3.0 share the keys).

    An alignment counts as ESCO when its framework says so, when OB3's ``targetType`` is edubadges'
    ``ext:ESCOAlignment``, or when it links an ESCO URI; a claimed ESCO alignment must link one.
    """
    url = item.text("targetUrl", required=True)
    name = item.text("targetName", required=True)
    framework = item.text("targetFramework")
    if framework is None and (item.text("targetType") == "ext:ESCOAlignment" or url.startswith(ESCO_BASE)):
        framework = "ESCO"
    if framework and framework.upper() == "ESCO":
        framework = "ESCO"
        if not url.startswith(ESCO_BASE):
            embedded = re.search(r"http://data\.europa\.eu/esco/[\w/-]+", unquote(url))
            hint = f"; use the URI itself: {embedded.group(0)}" if embedded else ""
            item.fail("targetUrl", f"an ESCO alignment must link an ESCO URI ({ESCO_BASE}...), found {url!r}{hint}")
    return Alignment(url, name, framework, item.text("targetCode"), item.text("targetDescription"))


def write_alignment(alignment: Alignment) -> dict[str, Any]:
    data = {
        "targetName": alignment.name,
        "targetUrl": alignment.uri,
        "targetFramework": alignment.framework,
        "targetCode": alignment.code,
        "targetDescription": alignment.description,
    }
    return {k: v for k, v in data.items() if v is not None}


def merge_alignments(
    issuer_made: Iterable[Alignment], added: Iterable[Alignment], *, limit: int | None = MAX_ALIGNMENTS
) -> list[Alignment]:
    """The issuer's alignments first, then ``added`` in the order given (strongest first), each URI
    once, at most ``limit`` in all."""
    merged: dict[str, Alignment] = {}
    for alignment in (*issuer_made, *added):
        merged.setdefault(alignment.uri, alignment)
    result = list(merged.values())
    return result if limit is None else result[:limit]


# The 24 official EU languages: ELM names languages by their EU authority (ISO 639-2) code.
_LANG3 = dict(
    pair.split(":")
    for pair in "bul:bg ces:cs dan:da deu:de ell:el eng:en spa:es est:et fin:fi fra:fr gle:ga hrv:hr hun:hu "
    "ita:it lit:lt lav:lv mlt:mt nld:nl pol:pl por:pt ron:ro slk:sk slv:sl swe:sv".split()
)
LANG_TO_EU = {two: three.upper() for three, two in _LANG3.items()}


def norm_lang(value: str | None) -> str | None:
    """A language as its primary subtag: "nl_NL", "nl-NL", "NLD" and "nl" all give "nl"."""
    if not value:
        return None
    primary = re.split(r"[-_]", value.strip())[0].lower()
    primary = _LANG3.get(primary, primary)
    return primary if primary and primary != "und" else None


def outcomes_from_block(block: str | None, lang: str | None) -> tuple[LearningOutcome, ...]:
    """Single outcomes split from an issuer's outcome block (edubadges writes one free text)."""
    if not block:
        return ()
    try:
        parts = split_outcomes(block)
    except InputError:  # only punctuation or lead-in phrases: the block names no outcome
        return ()
    return tuple(LearningOutcome(part, lang, {lang: part} if lang else {}) for part in parts)


def outcome_block(outcomes: Iterable[LearningOutcome], outcome_text: str | None) -> str | None:
    """The outcome text to write: the issuer's block, else the single outcomes as a bullet list."""
    if outcome_text:
        return outcome_text
    lines = [f"- {outcome.text}" for outcome in outcomes]
    return "\n".join(lines) or None


# edubadges' (educredentials') supervision vocabulary, keyed by (supervised, identity verified).
SUPERVISION_LABELS: dict[tuple[bool | None, bool | None], str] = {
    (False, False): "unsupervised with no identity verification",
    (True, False): "supervised with no identity verification",
    (True, None): "supervised online",
    (True, True): "onsite with identity verification",
}


def supervision_label(supervised: bool | None, id_verified: bool | None) -> str | None:
    """The label for a pair; "unsupervised" (outside the vocabulary) when identity checks are
    unknown or stated apart, so that reading the label back gives the same pair."""
    if supervised is None:
        return None
    return SUPERVISION_LABELS.get((supervised, id_verified)) or ("unsupervised" if not supervised else None)


def parse_supervision(label: str | None) -> tuple[bool | None, bool | None]:
    """(supervised, identity verified) from a supervision label; unknown words give None."""
    if not label:
        return None, None
    text = label.strip().lower()
    for key, known in SUPERVISION_LABELS.items():
        if text == known:
            return key
    supervised = False if "unsupervised" in text or text in {"none", "no"} else True if "supervis" in text else None
    return supervised, None


def first_text(values: Mapping[str, str], *preferred: str) -> str | None:
    """The value for the first preferred language present, else any value."""
    for lang in preferred:
        if values.get(lang):
            return values[lang]
    return next(iter(values.values()), None)
