"""Learning outcomes read as what they teach, phrased the way ESCO phrases a skill.

An outcome is written about a learner ("De student kan ...", "Je handelt klachten af en zoekt
...", "The professional assesses wounds and chooses ..."); an ESCO label is a verb phrase without
one ("wonden beoordelen", "assess wounds"). e5 embeds the subject, the modal frame and the finite
verb form along with the skill, and a Dutch outcome drifts to skills that share its frame. The
reader drops the frame, turns each finite verb into its infinitive (a Dutch one with its
separable particle: "dient ... toe" -> "toedienen"), splits coordinated clauses into the things
taught, and lifts "zoals / such as" examples out of the phrase. The original text is kept: the
matcher scores it beside its phrases and shows it as the evidence.

Dutch verb forms come from simplemma's dictionary (finite form -> infinitive, and which particle
+ verb pairs are separable verbs); English verbs are the first words of ESCO's own skill labels.

    >>> reader = OutcomeReader().fit(taxonomy)                               # doctest: +SKIP
    >>> [p.text for p in reader.read("De beroepskracht beoordeelt wonden en kiest passende "
    ...                              "wondverbanden.", "nl").phrases]        # doctest: +SKIP
    ['wonden beoordelen', 'passende wondverbanden kiezen']
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from simplemma.strategies import DictionaryLookupStrategy

from skillmatch.glossary import dutch_lemmas
from skillmatch.taxonomy import Taxonomy

#: Dutch words that open the frame before a finite verb ("De student voert ... uit").
_NL_PRONOUNS = frozenset({"je", "jij", "u", "hij", "zij", "ze", "we", "wij"})
_NL_ARTICLES = frozenset({"de", "het", "een", "elke", "iedere"})
#: Separable particles of Dutch verbs ("voert ... uit" -> "uitvoeren").
_NL_PARTICLES = frozenset({
    "aan", "af", "bij", "binnen", "bloot", "door", "in", "mee", "na", "neer", "om", "op", "over",
    "terug", "toe", "uit", "vast", "voor", "weg", "voort", "los", "tegen", "rond", "vrij",
})
#: Words that may follow a separable particle in a main clause ("legt ... aan volgens NEN 1010");
#: before anything else (an article, a noun) the particle is a preposition ("aan de hand van").
_NL_AFTER_PARTICLE = frozenset({
    "volgens", "met", "bij", "in", "op", "aan", "voor", "tijdens", "na", "naar", "via", "door", "zodat",
    "om", "en", "of", "waarbij", "wanneer", "als", "binnen", "tot", "onder", "zonder", "conform", "vanuit",
})
#: Conjunctions that open a subordinate clause whose verbs come last ("waarin je behoeften uitvraagt").
_NL_SUBORDINATE = frozenset({"waarin", "waarbij", "waarmee", "waardoor", "zodat"})
#: Words after which a list of examples follows; the examples are phrases of their own.
_EXAMPLES = re.compile(
    r",?\s*\(?\b(?:zoals|bijvoorbeeld|bijv\.|waaronder|inclusief|onder andere|o\.a\.|met name"
    r"|such as|including|e\.g\.|for example|for instance|like)\s+", re.IGNORECASE)
_NL_FRAMES = (
    # "Na afloop van deze module kan de cursist ..." / "Aan het eind van de cursus ben je in staat om ..."
    re.compile(r"^(?:na afloop van|aan het einde? van|na afronding van|na het volgen van|na)\b[^,]*?,?\s+"
               r"(?=(?:kan|kunnen|kun|kunt|is|ben|bent|zijn|weet|beheerst|beheers)\b)", re.IGNORECASE),
    re.compile(r"^(?:kan|kunnen|kun|kunt|is|ben|bent|zijn|weet|beheerst|beheers)\s+"
               r"(?:(?:de|het)\s+[\w-]+|je|jij|u|hij|zij|ze|we|wij)\s+", re.IGNORECASE),
    re.compile(r"^(?:(?:de|het|elke|iedere)\s+[\w-]+(?:\s+[\w-]+)?|je|jij|u|hij|zij|ze|we|wij)\s+"
               r"(?=(?:kan|kunnen|kun|kunt|is|ben|bent|zijn|weet|beheerst|leert)\b)", re.IGNORECASE),
    re.compile(r"^(?:kan|kunnen|kun|kunt|weet|beheerst|leert)\s+", re.IGNORECASE),
    re.compile(r"^(?:is|ben|bent|zijn)\s+(?:goed\s+)?in\s+staat\s+", re.IGNORECASE),
    re.compile(r"^(?:om|hoe)\s+", re.IGNORECASE),
)
_EN_FRAMES = (
    re.compile(r"^(?:after|upon|on|by the end of|at the end of)\b[^,]*,\s*", re.IGNORECASE),
    re.compile(r"^(?:the\s+|a\s+|an\s+|each\s+|every\s+)?(?:students?|learners?|participants?|graduates?"
               r"|trainees?|candidates?|you|they|he|she|we)\s+(?=(?:can|could|will|shall|should|must|is|are"
               r"|has|have|demonstrates?|knows?|understands?)\b)", re.IGNORECASE),
    re.compile(r"^(?:can|could|will|shall|should|must|is|are)\s+(?:be\s+)?(?:able|capable|competent)\s+(?:to|of)\s+",
               re.IGNORECASE),
    re.compile(r"^(?:can|could|will|shall|should|must)\s+", re.IGNORECASE),
    re.compile(r"^(?:know|knows|understand|understands)\s+how\s+to\s+", re.IGNORECASE),
)
_TOKEN = re.compile(r"[\w'’-]+|[^\w\s]")


@dataclass(frozen=True)
class Phrase:
    """One thing an outcome teaches, in the outcome's language and in label order
    ("wonden beoordelen", "assess wounds"), with its verb where the reader found one."""

    text: str
    verb: str = ""
    #: Whether the phrase is an example a list gave ("zoals Exact Online") rather than a clause.
    example: bool = False

    @property
    def verb_first(self) -> str:
        """The phrase with its verb in front, the order of an English label, which the English
        gloss of a Dutch phrase follows ("beoordelen wonden" -> "assess wounds")."""
        if not self.verb or self.text.startswith(self.verb):
            return self.text
        rest = re.sub(rf"\s*\b{re.escape(self.verb)}\b", "", self.text, count=1).strip()
        return f"{self.verb} {rest}".strip()


@dataclass(frozen=True)
class OutcomeReading:
    """A learning outcome as written and as the things it teaches (empty where the reader found
    nothing to take apart or rephrase: the text itself is then all there is)."""

    text: str
    lang: str
    phrases: tuple[Phrase, ...]

    def to_dict(self) -> dict[str, object]:
        return {"text": self.text, "lang": self.lang, "teaches": [phrase.text for phrase in self.phrases]}


class OutcomeReader:
    """Reads Dutch and English learning outcomes into :class:`OutcomeReading`\\ s."""

    #: How often a word must open an ESCO skill label to count as an English verb.
    min_verb_count = 3

    def fit(self, taxonomy: Taxonomy) -> OutcomeReader:
        """Learn the English verbs: the words that open ESCO's skill (not knowledge) labels at
        least ``min_verb_count`` times and more often than they appear further in (which leaves
        out nouns such as "system" and "health")."""
        first: Counter[str] = Counter()
        later: Counter[str] = Counter()
        for concept in taxonomy.skills:
            if concept.skill_type.startswith("knowledge"):
                continue
            for _lang, _form, text in concept.surface_forms("en"):
                words = text.lower().split()
                first[words[0]] += 1
                later.update(words[1:])
        self.english_verbs_ = frozenset(word for word, count in first.items()
                                        if word.isalpha() and count >= self.min_verb_count and count > later[word])
        return self

    def read(self, text: str, lang: str) -> OutcomeReading:
        """The reading of one outcome; ``lang`` is "nl" for Dutch, anything else reads as English."""
        body = _strip_end(text)
        dutch = lang == "nl"
        phrases = _dutch_phrases(body) if dutch else self._english_phrases(body)
        unique = [p for p in dict.fromkeys(phrases) if p.text and p.text.lower() != body.lower()]
        return OutcomeReading(text, "nl" if dutch else "en", tuple(unique))

    # -- English ------------------------------------------------------------------------------

    def _english_phrases(self, text: str) -> list[Phrase]:
        body = _strip_frames(text, _EN_FRAMES)
        tokens = body.split()
        # "The professional assesses wounds": a subject of up to three words before a verb in -s.
        if tokens and tokens[0].lower() in {"the", "a", "an", "each", "every"}:
            for at in range(2, min(5, len(tokens))):
                base = self._english_base(tokens[at])
                if base and tokens[at].lower().endswith("s"):
                    body = " ".join([base, *tokens[at + 1:]])
                    break
        phrases = []
        for clause in self._english_clauses(body):
            main, examples = _split_examples(clause)
            words = main.split()
            base = self._english_base(words[0]) if words else None
            # "erect and inspect a scaffold": each verb with the shared object
            if base and len(words) > 3 and words[1].lower() in {"and", "or"} and self._english_base(words[2]):
                second = self._english_base(words[2]) or ""
                phrases.append(Phrase(_tidy(" ".join([base, *words[3:]])), base))
                phrases.append(Phrase(_tidy(" ".join([second, *words[3:]])), second))
            else:
                if base:
                    main = " ".join([base, *words[1:]])
                phrases.append(Phrase(_tidy(main), base or ""))
            phrases.extend(Phrase(_tidy(self._english_gerund(item)), example=True) for item in examples)
        return phrases

    def _english_clauses(self, text: str) -> list[str]:
        """Split at "and"/"," (or ", and") before a verb, once the clause so far has an object."""
        tokens = text.split()
        clauses, start = [], 0
        for i in range(1, len(tokens) - 1):
            word = tokens[i].lower()
            joint = word in {"and", "or"} or tokens[i - 1].endswith(",") and word not in {"and", "or"}
            following = tokens[i + 1] if word in {"and", "or"} else tokens[i]
            if not joint or i - start < 2 or _EXAMPLES.match(" " + following + " ") \
                    or not self._english_base(following):
                continue
            if word in {"and", "or"}:
                clauses.append(" ".join(tokens[start:i]))
                start = i + 1
            else:
                clauses.append(" ".join(tokens[start:i]))
                start = i
        clauses.append(" ".join(tokens[start:]))
        return [clause.strip(" ,;") for clause in clauses if clause.strip(" ,;")]

    def _english_base(self, word: str) -> str | None:
        """The base form of ``word`` when it is one of ESCO's verbs ("assesses", "handling")."""
        lower = word.lower().strip(",;:")
        for candidate in (*_english_bases(lower), lower):
            if candidate in self.english_verbs_:
                return candidate
        return None

    def _english_gerund(self, item: str) -> str:
        words = item.split()
        base = self._english_base(words[0]) if words and words[0].lower().endswith("ing") else None
        return " ".join([base, *words[1:]]) if base else item


def _english_bases(word: str) -> list[str]:
    """Candidate base forms of an English verb form: -s, -es, -ies, -ing, -ed."""
    bases = []
    if word.endswith("ies"):
        bases.append(word[:-3] + "y")
    if word.endswith("es"):
        bases.append(word[:-2])
    if word.endswith("s"):
        bases.append(word[:-1])
    for ending in ("ing", "ed"):
        if word.endswith(ending) and len(word) > len(ending) + 2:
            stem = word[: -len(ending)]
            bases.extend([stem, stem + "e"])
            if len(stem) > 2 and stem[-1] == stem[-2]:
                bases.append(stem[:-1])
    return bases


# -- Dutch ------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _dictionary() -> DictionaryLookupStrategy:
    return DictionaryLookupStrategy()


@lru_cache(maxsize=65536)
def _dutch_lemma(word: str) -> str | None:
    lemma = _dictionary().get_lemma(word.lower(), "nl")
    return lemma.replace("_", "") if lemma else None


def _dutch_finite(word: str) -> str | None:
    """The infinitive of ``word`` when it is a finite (present tense) verb form: ``beoordeelt``
    -> ``beoordelen``, ``kiest`` -> ``kiezen``; None for anything else."""
    lower = word.lower().strip(",;:")
    if not lower.isalpha() or lower.startswith("ge") and lower.endswith(("d", "t")) and len(lower) > 6:
        return None
    lemma = _dutch_lemma(lower)
    if not lemma or lemma == lower or not lemma.endswith("n") or len(lemma) < len(lower):
        return None
    return lemma


def _dutch_infinitive(word: str) -> bool:
    """Whether ``word`` is a verb's infinitive: the dictionary's own lemma, or the lemma of the
    verb's stem ("toetsen": a noun's plural too, but "toetst" is a form of it), or a verb in
    -eren the dictionary lacks ("journaliseren")."""
    lower = word.lower().strip(",;:")
    if not lower.isalpha() or not lower.endswith("en") or len(lower) < 5:
        return False
    lemma = _dutch_lemma(lower)
    if lemma == lower or lemma is None and lower.endswith("eren"):
        return True
    return any(_dutch_lemma(form) == lower for stem in dutch_lemmas(lower) for form in (stem, stem + "t"))


def _separable(particle: str, infinitive: str) -> str | None:
    """The separable verb of ``particle`` and ``infinitive`` ("uit" + "voeren"), if Dutch has it."""
    particle = particle.lower()
    combined = particle + infinitive
    return combined if particle in _NL_PARTICLES and _dutch_lemma(combined) is not None else None


def _dutch_phrases(text: str) -> list[Phrase]:
    body = _join_te(_strip_frames(text, _NL_FRAMES))
    tokens = body.split()
    subject = _dutch_subject(tokens)
    if subject is None:
        return [phrase for clause in _dutch_infinitive_clauses(tokens) for phrase in _with_examples(*clause)]
    phrases = []
    for verbs, rest in _dutch_finite_clauses(tokens[subject:]):
        main, subordinate = _cut_subordinate(rest)
        for verb in verbs:
            phrases.extend(_dutch_clause(verb, main))
        phrases.extend(_verb_final_phrases(subordinate))
    return phrases


def _dutch_subject(tokens: list[str]) -> int | None:
    """How many words the subject before the first finite verb has, None where the outcome has
    no such subject (an infinitive phrase, or what is left after a modal frame)."""
    if len(tokens) > 1 and tokens[0].lower() in _NL_PRONOUNS and _dutch_finite(tokens[1]):
        return 1
    if tokens and tokens[0].lower() in _NL_ARTICLES:
        for at in (2, 3):
            if len(tokens) > at and _dutch_finite(tokens[at]):
                return at
    return None


def _dutch_finite_clauses(tokens: list[str]) -> list[tuple[list[str], list[str]]]:
    """(infinitives, the words after them) per main clause: "beoordeelt wonden en kiest passende
    wondverbanden" -> (["beoordelen"], ["wonden"]), (["kiezen"], ["passende", "wondverbanden"]);
    "vult en ontlucht het systeem" -> (["vullen", "ontluchten"], ["het", "systeem"])."""
    clauses: list[tuple[list[str], list[str]]] = []
    verbs, rest = [_dutch_finite(tokens[0]) or tokens[0].lower()], []
    i = 1
    while i < len(tokens):
        token = tokens[i]
        conjunction = token.lower() in {"en", "of"}
        joint = conjunction or bool(rest) and rest[-1].endswith(",")
        following = tokens[i + 1] if conjunction and i + 1 < len(tokens) else token
        infinitive = _dutch_finite(following) if joint else None
        if infinitive and not rest:
            verbs.append(infinitive)
        elif infinitive:
            clauses.append((verbs, rest))
            verbs, rest = [infinitive], []
        if infinitive:
            i += 2 if conjunction else 1
            continue
        rest.append(token)
        i += 1
    clauses.append((verbs, rest))
    return clauses


def _cut_subordinate(rest: list[str]) -> tuple[list[str], list[str]]:
    """A main clause's words, and those of a subordinate clause it ends with ("..., waarin je
    behoeften uitvraagt en bezwaren ombuigt")."""
    for at, word in enumerate(rest):
        if word.lower().strip(",") in _NL_SUBORDINATE and at:
            words = rest[at + 1:]
            if words and words[0].lower() in _NL_PRONOUNS:
                words = words[1:]
            return rest[:at], words
    return rest, []


def _verb_final_phrases(words: list[str]) -> list[Phrase]:
    """The parts of a subordinate clause, each ending in its finite verb, as label phrases:
    "behoeften uitvraagt, bezwaren ombuigt en de order afsluit" -> "behoeften uitvragen", ..."""
    phrases, part = [], []
    for word in words:
        bare = word.strip(",;:")
        if bare.lower() in {"en", "of"}:
            continue
        part.append(bare)
        infinitive = _dutch_finite(bare)
        if infinitive and len(part) > 1:
            phrases.append(Phrase(_tidy(" ".join([*part[:-1], infinitive])), infinitive))
            part = []
    return phrases


def _dutch_clause(verb: str, rest: list[str]) -> list[Phrase]:
    """One main clause as label-order phrases: the particle (searched from the end) joins the
    verb and takes its place; else the verb goes to the end, before any examples, which become
    phrases of their own."""
    words = list(rest)
    for at in range(len(words) - 1, -1, -1):
        bare = words[at].strip(",;:")
        after = words[at + 1].lower().strip("(") if at + 1 < len(words) else ""
        closes = bare != words[at] or not after or after in _NL_AFTER_PARTICLE or words[at + 1].startswith("(")
        separable = _separable(bare, verb) if closes else None
        if separable:
            words[at] = separable + words[at][len(bare):]
            return _with_examples(" ".join(words), separable)
    main, examples = _split_examples(" ".join(words))
    return [Phrase(_tidy(f"{main.rstrip(' ,;')} {verb}"), verb),
            *(Phrase(_tidy(item), example=True) for item in examples)]


def _dutch_infinitive_clauses(tokens: list[str]) -> list[tuple[str, str]]:
    """(clause, its verb) per thing an infinitive phrase names: split at the last "en" between
    two infinitives ("maten controleren met schuifmaat en meetklok en afwijkingen toetsen"); where
    the second verb follows the "en" at once it shares the first one's object ("facturen
    journaliseren en verwerken in het grootboek" -> "facturen journaliseren", "facturen
    verwerken in het grootboek")."""
    verbs = [i for i, token in enumerate(tokens) if i and _dutch_infinitive(token)]
    if not verbs:
        return [(" ".join(tokens), "")]
    clauses, start, obj = [], 0, []
    for left, right in zip(verbs, verbs[1:], strict=False):
        joints = [i for i in range(left + 1, right) if tokens[i].lower() == "en"]
        if not joints:
            continue
        joint = joints[-1]
        clauses.append((" ".join(obj + tokens[start:joint]), tokens[left].strip(",;:").lower()))
        obj = tokens[start:left] if joint + 1 == right and not obj else obj if joint + 1 == right else []
        start = joint + 1
    clauses.append((" ".join(obj + tokens[start:]), tokens[verbs[-1]].strip(",;:").lower()))
    return clauses


def _with_examples(clause: str, verb: str = "") -> list[Phrase]:
    main, examples = _split_examples(clause)
    return [Phrase(_tidy(main), verb), *(Phrase(_tidy(item), example=True) for item in examples)]


def _join_te(text: str) -> str:
    """"uit te voeren" -> "uitvoeren", "te analyseren" -> "analyseren"."""
    def joined(match: re.Match[str]) -> str:
        particle, verb = match.group(1), match.group(2)
        separable = _separable(particle, verb.lower())
        return separable if separable else f"{particle} {verb}"
    text = re.sub(r"\b([\w-]+)\s+te\s+(\w+en)\b", joined, text)
    return re.sub(r"\bte\s+(?=\w+en\b)", "", text)


# -- both -------------------------------------------------------------------------------------

def _strip_end(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().rstrip(".;:!").strip()


def _strip_frames(text: str, frames: tuple[re.Pattern[str], ...]) -> str:
    """Drop the frames in turn, as often as they match, keeping at least one word."""
    changed = True
    while changed:
        changed = False
        for frame in frames:
            stripped = frame.sub("", text, count=1)
            if stripped != text and len(stripped.split()) >= 1:
                text, changed = stripped, True
    return text


def _split_examples(clause: str) -> tuple[str, list[str]]:
    """A clause without its examples, and the examples: "boekhoudpakket zoals Exact Online" ->
    ("boekhoudpakket", ["Exact Online"])."""
    found = _EXAMPLES.search(clause)
    if not found or found.start() == 0:
        return clause, []
    tail = clause[found.end():].rstrip(")")
    items = [item.strip(" ,;()") for item in re.split(r",\s*|\s+(?:en|of|and|or)\s+", tail)]
    # "marketing-, financieel en organisatieplan": a part that ends in a hyphen is no item
    return clause[: found.start()].rstrip(" ,("), [item for item in items if len(item) > 1 and not item.endswith("-")]


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip(" ,;:")
    return text[:1].lower() + text[1:] if text[:2].isalpha() and text[1:2].islower() else text
