"""Dutch learning outcomes read into label-order phrases ("De beroepskracht beoordeelt wonden en
kiest passende wondverbanden" -> "wonden beoordelen", "passende wondverbanden kiezen").

Verb forms come from simplemma's Dutch dictionary: finite form -> infinitive, and which particle +
verb pairs are separable verbs ("dient ... toe" -> "toedienen", "uit te voeren" -> "uitvoeren").
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from skillmatch.glossary import dutch_lemmas
from skillmatch.matching.phrase import Phrase, split_examples, strip_frames, tidy

if TYPE_CHECKING:
    from simplemma.strategies import DictionaryLookupStrategy

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

@lru_cache(maxsize=1)
def _dictionary() -> DictionaryLookupStrategy:
    # Imported here: simplemma's import reads rules for every language it knows (0.15-0.3 s),
    # which a service answering reads before its matcher is loaded would pay at start.
    from simplemma.strategies import DictionaryLookupStrategy

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


def read_dutch(text: str) -> list[Phrase]:
    body = _join_te(strip_frames(text, _NL_FRAMES))
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
            phrases.append(Phrase(tidy(" ".join([*part[:-1], infinitive])), infinitive))
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
    main, examples = split_examples(" ".join(words))
    return [Phrase(tidy(f"{main.rstrip(' ,;')} {verb}"), verb),
            *(Phrase(tidy(item), example=True) for item in examples)]


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
    main, examples = split_examples(clause)
    return [Phrase(tidy(main), verb), *(Phrase(tidy(item), example=True) for item in examples)]


def _join_te(text: str) -> str:
    """"uit te voeren" -> "uitvoeren", "te analyseren" -> "analyseren"."""
    def joined(match: re.Match[str]) -> str:
        particle, verb = match.group(1), match.group(2)
        separable = _separable(particle, verb.lower())
        return separable if separable else f"{particle} {verb}"
    text = re.sub(r"\b([\w-]+)\s+te\s+(\w+en)\b", joined, text)
    return re.sub(r"\bte\s+(?=\w+en\b)", "", text)
