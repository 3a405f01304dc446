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
from collections.abc import Iterable
from dataclasses import dataclass

from skillmatch.matching.dutch import read_dutch
from skillmatch.matching.phrase import EXAMPLES, Phrase, split_examples, strip_end, strip_frames, tidy
from skillmatch.taxonomy import Taxonomy

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
        return self.with_verbs(self.english_verbs(taxonomy))

    def with_verbs(self, verbs: Iterable[str]) -> OutcomeReader:
        """The reader with English ``verbs`` learned before (by :meth:`english_verbs`)."""
        self.english_verbs_ = frozenset(verbs)
        return self

    @classmethod
    def english_verbs(cls, taxonomy: Taxonomy) -> list[str]:
        """The English verbs :meth:`fit` learns, sorted."""
        first: Counter[str] = Counter()
        later: Counter[str] = Counter()
        for concept in taxonomy.skills:
            if concept.skill_type.startswith("knowledge"):
                continue
            for _lang, _form, text in concept.surface_forms("en"):
                words = text.lower().split()
                first[words[0]] += 1
                later.update(words[1:])
        return sorted(word for word, count in first.items()
                      if word.isalpha() and count >= cls.min_verb_count and count > later[word])

    def read(self, text: str, lang: str) -> OutcomeReading:
        """The reading of one outcome; ``lang`` is "nl" for Dutch, anything else reads as English."""
        body = strip_end(text)
        dutch = lang == "nl"
        phrases = read_dutch(body) if dutch else self._english_phrases(body)
        unique = [p for p in dict.fromkeys(phrases) if p.text and p.text.lower() != body.lower()]
        return OutcomeReading(text, "nl" if dutch else "en", tuple(unique))

    # -- English ------------------------------------------------------------------------------

    def _english_phrases(self, text: str) -> list[Phrase]:
        body = strip_frames(text, _EN_FRAMES)
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
            main, examples = split_examples(clause)
            words = main.split()
            base = self._english_base(words[0]) if words else None
            # "erect and inspect a scaffold": each verb with the shared object
            if base and len(words) > 3 and words[1].lower() in {"and", "or"} and self._english_base(words[2]):
                second = self._english_base(words[2]) or ""
                phrases.append(Phrase(tidy(" ".join([base, *words[3:]])), base))
                phrases.append(Phrase(tidy(" ".join([second, *words[3:]])), second))
            else:
                if base:
                    main = " ".join([base, *words[1:]])
                phrases.append(Phrase(tidy(main), base or ""))
            phrases.extend(Phrase(tidy(self._english_gerund(item)), example=True) for item in examples)
        return phrases

    def _english_clauses(self, text: str) -> list[str]:
        """Split at "and"/"," (or ", and") before a verb, once the clause so far has an object."""
        tokens = text.split()
        clauses, start = [], 0
        for i in range(1, len(tokens) - 1):
            word = tokens[i].lower()
            joint = word in {"and", "or"} or tokens[i - 1].endswith(",") and word not in {"and", "or"}
            following = tokens[i + 1] if word in {"and", "or"} else tokens[i]
            if not joint or i - start < 2 or EXAMPLES.match(" " + following + " ") \
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
