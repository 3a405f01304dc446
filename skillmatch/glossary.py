"""A Dutch-to-English word glossary learned from ESCO's own translations, and glosses made with it.

ESCO has English labels for every skill but Dutch ones for only 17%, and e5-small reads rare
Dutch words and compounds poorly: *Noodprocedures* (emergency procedures) lands on "court
procedures", *Melkprocedures* on "make-up techniques". The concepts that do have Dutch text are
parallel data: the preferred labels and descriptions, in both languages, of 2,235 skills, 3,004
occupations and 640 skill groups (descriptions cut into sentences where both have as many),
about 17,000 text pairs. IBM Model 1 (EM, a few seconds) turns them into a word lexicon.

A gloss replaces each Dutch word by its most likely English word, an inflected word the lexicon
lacks by its base form's (*kleuren* → colour: the lexicon has *kleur*), a compound by its known
parts (*melkprocedures* → milk procedures), and leaves every other word as it is:
a rough English reading that e5 matches far better than the Dutch. The matcher scores a Dutch
text and its gloss and averages the two (measured in benchmarks/RESULTS.md).

    >>> glossary = Glossary().fit(parallel_texts(taxonomy))     # doctest: +SKIP
    >>> glossary.gloss("Noodprocedures")                        # doctest: +SKIP
    'emergency procedures'
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from skillmatch.errors import StoreError
from skillmatch.taxonomy import ConceptKind, Taxonomy

#: Words without digits; hyphens and apostrophes separate words, so each part is glossed alone.
_WORD = re.compile(r"[^\W\d_]+")
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")
#: Letters Dutch puts between the parts of a compound (*veiligheid-s-regels*, *zonn-e-energie*).
_LINKS = ("", "s", "e", "en")


@dataclass(frozen=True)
class GlossarySettings:
    source: str = "nl"
    target: str = "en"
    #: EM rounds of IBM Model 1.
    iterations: int = 8
    #: A word is glossed only by a translation at least this likely ...
    min_probability: float = 0.3
    #: ... and only if it was seen this often in the source texts (rarer words get noisy lexicon entries).
    min_count: int = 2
    #: A compound's parts must each be this long and seen this often.
    min_part_length: int = 3
    min_part_count: int = 3


def words(text: str) -> list[str]:
    return [word.lower() for word in _WORD.findall(text)]


def parallel_texts(taxonomy: Taxonomy, source: str = "nl", target: str = "en") -> list[tuple[str, str]]:
    """Every (source, target) pair of texts that say the same in ``taxonomy``: the preferred
    labels of each concept with both, and its descriptions, sentence by sentence where both have
    as many sentences (else whole)."""
    pairs = []
    for kind in ConceptKind:
        for concept in taxonomy.of_kind(kind):
            if source in concept.preferred and target in concept.preferred:
                pairs.append((concept.preferred[source], concept.preferred[target]))
            here, there = concept.description.get(source), concept.description.get(target)
            if here and there:
                these, those = _SENTENCE_END.split(here.strip()), _SENTENCE_END.split(there.strip())
                pairs.extend(zip(these, those, strict=True) if len(these) == len(those) else [(here, there)])
    return pairs


def texts_in(taxonomy: Taxonomy, lang: str) -> Iterator[str]:
    """Every label and description of ``taxonomy`` in ``lang``."""
    for kind in ConceptKind:
        for concept in taxonomy.of_kind(kind):
            for _lang, _form, text in concept.surface_forms(lang):
                yield text
            if lang in concept.description:
                yield concept.description[lang]


class Glossary:
    """Word-by-word source-to-target glosses from an IBM Model 1 lexicon.

    ``translations_`` maps a source word to its most likely target word (those that pass the
    settings' thresholds), ``parts_`` the words that may be parts of a compound, and
    ``source_words_``/``target_words_`` the vocabularies, which tell a source-language text
    from a target-language one.
    """

    def __init__(self, settings: GlossarySettings | None = None) -> None:
        self.settings = settings or GlossarySettings()

    def fit(self, pairs: Iterable[tuple[str, str]], *, source_texts: Iterable[str] = (),
            target_texts: Iterable[str] = ()) -> Glossary:
        """Learn the lexicon from ``pairs`` of parallel texts; ``source_texts`` and ``target_texts``
        (each language's other texts) widen the vocabularies that tell the two languages apart."""
        tokenised = [(words(a), words(b)) for a, b in pairs]
        tokenised = [(a, b) for a, b in tokenised if a and b]
        self.translations_: dict[str, str] = {}
        self.parts_: frozenset[str] = frozenset()
        # A taxonomy without the source language gives an empty glossary, which glosses nothing.
        if tokenised:
            self._learn(tokenised)
        self.source_words_ = frozenset(w for a, _ in tokenised for w in a).union(*(words(t) for t in source_texts))
        self.target_words_ = frozenset(w for _, b in tokenised for w in b).union(*(words(t) for t in target_texts))
        return self._index_lemmas()

    def _index_lemmas(self) -> Glossary:
        """Each base form of the lexicon's words (and of its compound parts), with the shortest
        word it comes from: *therapeutische* is known, so *therapeutisch* can be glossed too."""
        def index(vocabulary: Iterable[str]) -> dict[str, str]:
            by_lemma: dict[str, str] = {}
            if self.settings.source == "nl":
                for word in sorted(vocabulary, key=lambda w: (len(w), w)):
                    for lemma in dutch_lemmas(word):
                        by_lemma.setdefault(lemma, word)
            return by_lemma

        self.translation_lemmas_ = index(self.translations_)
        self.part_lemmas_ = index(self.parts_)
        return self

    def _learn(self, tokenised: list[tuple[list[str], list[str]]]) -> None:
        source_ids = {w: i for i, w in enumerate(sorted({w for a, _ in tokenised for w in a}))}
        target_ids = {w: i for i, w in enumerate(sorted({w for _, b in tokenised for w in b}))}
        sources = [np.array([source_ids[w] for w in a], dtype=np.int64) for a, _ in tokenised]
        targets = [np.array([target_ids[w] for w in b], dtype=np.int64) for _, b in tokenised]
        best, probability = self._model1(sources, targets, len(source_ids), len(target_ids))
        counts = Counter(w for a, _ in tokenised for w in a)
        target_words = sorted(target_ids)
        settings = self.settings
        self.translations_ = {w: target_words[best[i]] for w, i in source_ids.items()
                              if probability[i] >= settings.min_probability and counts[w] >= settings.min_count}
        # Function words make poor compound parts: *hijstechnieken* is hijs-technieken, not hij-s-technieken.
        function_words = _english_stop_words() if settings.target == "en" else frozenset()
        self.parts_ = frozenset(w for w, translation in self.translations_.items()
                                if len(w) >= settings.min_part_length and counts[w] >= settings.min_part_count
                                and translation not in function_words)

    def _model1(self, sources: list[np.ndarray], targets: list[np.ndarray], n_source: int,
                n_target: int) -> tuple[np.ndarray, np.ndarray]:
        """Per source word, its most likely target word and t(target | source), by EM over the
        parallel texts ``sources[i]``/``targets[i]`` (word ids). Each source text gets a NULL
        word, which takes the target words that translate nothing (articles, "of")."""
        sources = [np.append(a, n_source) for a in sources]
        # Every (source, target) co-occurrence, numbered once: t lives on those cells only.
        cells = np.concatenate([(a[:, None] * n_target + b[None, :]).ravel()
                                for a, b in zip(sources, targets, strict=True)])
        keys, cell_of = np.unique(cells, return_inverse=True)
        bounds = np.cumsum([0] + [len(a) * len(b) for a, b in zip(sources, targets, strict=True)])
        source_of_key = keys // n_target
        t = np.full(len(keys), 1.0 / n_target)
        for _ in range(self.settings.iterations):
            expected = np.zeros(len(keys))
            for p, (a, b) in enumerate(zip(sources, targets, strict=True)):
                block = cell_of[bounds[p] : bounds[p + 1]].reshape(len(a), len(b))
                values = t[block]
                np.add.at(expected, block.ravel(), (values / values.sum(axis=0, keepdims=True)).ravel())
            totals = np.bincount(source_of_key, weights=expected, minlength=n_source + 1)
            t = expected / totals[source_of_key]
        order = np.lexsort((-t, source_of_key))
        first = order[np.r_[True, np.diff(source_of_key[order]) != 0]]
        best = np.zeros(n_source + 1, dtype=np.int64)
        probability = np.zeros(n_source + 1)
        best[source_of_key[first]] = keys[first] % n_target
        probability[source_of_key[first]] = t[first]
        return best[:n_source], probability[:n_source]

    # -- glossing -----------------------------------------------------------------------------

    def is_source_language(self, text: str) -> bool:
        """Whether more of ``text``'s words belong to the source language alone than to the target
        alone; a word neither knows counts as source if it splits into source words (compounds)."""
        source = target = 0
        for word in words(text):
            in_source, in_target = word in self.source_words_, word in self.target_words_
            if in_target and not in_source:
                target += 1
            elif in_source and not in_target or not in_target and (
                    self._known(word, self.translations_, self.translation_lemmas_) or self._split(word)):
                source += 1
        return source > target

    def gloss(self, text: str) -> str:
        """``text`` with each word the glossary knows (or whose compound parts it knows) translated."""
        return _WORD.sub(lambda match: self._word(match.group()) or match.group(), text)

    def glosses(self, texts: Sequence[str]) -> dict[int, str]:
        """The glosses of those ``texts`` that are in the source language and that the glossary changes."""
        return self.read(texts)[1]

    def read(self, texts: Sequence[str], *, gloss: bool = True) -> tuple[list[bool], dict[int, str]]:
        """Which ``texts`` are in the source language, and (unless not ``gloss``) the glosses, by
        position, of those that the glossary changes."""
        source, glosses = [], {}
        for i, text in enumerate(texts):
            source.append(self.is_source_language(text))
            if source[-1] and gloss:
                glossed = self.gloss(text)
                if glossed.lower() != text.lower():
                    glosses[i] = glossed
        return source, glosses

    def _word(self, word: str) -> str | None:
        if len(word) < 2:
            return None  # a lone letter is an initial or the "s" of *programma's*, not a word
        lower = word.lower()
        known = self._known(lower, self.translations_, self.translation_lemmas_)
        if known is not None:
            return self.translations_[known]
        parts = self._split(lower)
        return " ".join(self.translations_[p] for p in parts) if parts else None

    def _known(self, word: str, vocabulary: Collection[str], by_lemma: dict[str, str]) -> str | None:
        """The word of ``vocabulary`` that stands for ``word``: ``word`` itself, else one of its
        base forms (``dutch_lemmas``), else a word of the vocabulary with the same base form
        (``by_lemma``, from ``_index_lemmas``)."""
        if word in vocabulary:
            return word
        if self.settings.source != "nl":
            return None
        lemmas = dutch_lemmas(word)
        return next((lemma for lemma in lemmas if lemma in vocabulary), None) or next(
            (by_lemma[key] for key in (word, *lemmas) if key in by_lemma), None)

    def _split(self, word: str) -> list[str] | None:
        """``word`` as the fewest (at least two) of ``parts_``, with a linking letter or two allowed
        between them (not after the last: *technieken* is a part, not *techniek* + en), and a verb
        stem standing for its verb before the last (*etiketteer-machine*, *las-technieken*); None
        if there is no such split."""
        best: list[list[str] | None] = [None] * (len(word) + 1)
        best[0] = []
        for start in range(len(word)):
            if best[start] is None:
                continue
            for end in range(start + 1, len(word) + 1):
                entry = self._part(word[start:end], last=end == len(word))
                if entry is None:
                    continue
                for link in _LINKS:
                    stop = end + len(link)
                    if (stop < len(word) or not link) and word[end:stop] == link:
                        candidate = best[start] + [entry]
                        if best[stop] is None or len(candidate) < len(best[stop]):
                            best[stop] = candidate
        found = best[len(word)]
        return found if found is not None and len(found) > 1 else None

    def _part(self, part: str, *, last: bool) -> str | None:
        """The lexicon word that ``part`` of a compound stands for, if any."""
        if part in self.parts_:
            return part
        if len(part) < self.settings.min_part_length:
            return None
        if last:
            # The head of a compound carries its inflection: *edel-metalen*, *analyse-methodes*.
            return self._known(part, self.parts_, self.part_lemmas_)
        # A verb's stem: the infinitive less -en, with a doubled consonant after a short vowel.
        return next((verb for verb in (part + "en", part + part[-1] + "en") if verb in self.parts_), None)

    # -- persistence --------------------------------------------------------------------------

    def save(self, path: Path, fingerprint: str) -> None:
        """Written to a temporary file and renamed into place, with the fingerprint it was made for."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"fingerprint": fingerprint, "settings": asdict(self.settings),
                                   "translations": self.translations_, "parts": sorted(self.parts_),
                                   "source_words": sorted(self.source_words_),
                                   "target_words": sorted(self.target_words_)}, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path, fingerprint: str) -> Glossary:
        """The glossary saved at ``path``; StoreError if it is unreadable or was made for other data."""
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
            if saved["fingerprint"] != fingerprint:
                raise StoreError(f"the glossary at {path} was learned from other data")
            glossary = cls(GlossarySettings(**saved["settings"]))
            glossary.translations_ = dict(saved["translations"])
            glossary.parts_ = frozenset(saved["parts"])
            glossary.source_words_, glossary.target_words_ = frozenset(saved["source_words"]), frozenset(
                saved["target_words"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise StoreError(f"the glossary at {path} is unreadable ({exc})") from exc
        return glossary._index_lemmas()


#: Part of the fingerprint: a glossary saved by code that glossed otherwise is learned again.
FORMAT = 1


def fingerprint(taxonomy: Taxonomy, settings: GlossarySettings) -> str:
    raw = json.dumps([FORMAT, taxonomy.meta.fingerprint, asdict(settings)], sort_keys=True)
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def ensure_glossary(taxonomy: Taxonomy, path: Path, settings: GlossarySettings | None = None) -> Glossary:
    """The glossary saved at ``path`` if it was learned from ``taxonomy`` with ``settings``, else
    a new one, learned and saved."""
    settings = settings or GlossarySettings()
    wanted = fingerprint(taxonomy, settings)
    try:
        glossary = Glossary.load(path, wanted)
    except StoreError:  # missing, unreadable or learned from another taxonomy: learn it
        glossary = Glossary(settings).fit(parallel_texts(taxonomy, settings.source, settings.target),
                                          source_texts=texts_in(taxonomy, settings.source),
                                          target_texts=texts_in(taxonomy, settings.target))
        glossary.save(path, wanted)
    glossary.fingerprint_ = wanted  # what its glosses depend on, for the fingerprints of what uses them
    return glossary



_VOWELS = frozenset("aeiou")


def dutch_lemmas(word: str) -> list[str]:
    """Candidate base forms of an inflected Dutch word, most likely first: a plural or verb
    without *-en* or *-s* (*kleuren*, *methodes*), an adjective without its *-e*
    (*psychiatrische*), with the spelling changes that the ending caused undone: a doubled
    consonant (*rekken* - *rek*), a long vowel written once in an open syllable (*stalen* -
    *staal*), *v*/*z* for *f*/*s* (*destructieve* - *destructief*); and a verb's noun in *-ing*
    (*voorbereiden* - *voorbereiding*), which the lexicon often knows instead."""
    lemmas: list[str] = []
    for ending in ("en", "e", "s"):
        stem = word[: -len(ending)]
        if not word.endswith(ending) or len(stem) < 3:
            continue
        lemmas.append(stem)
        if ending == "s":
            continue
        last, before, third = stem[-1], stem[-2], stem[-3]
        if last == before and last not in _VOWELS:
            lemmas.append(stem[:-1])
        elif last not in _VOWELS and before in _VOWELS and third not in _VOWELS:
            lemmas.append(stem[:-1] + before + last)
        if last in "vz":
            voiceless = stem[:-1] + {"v": "f", "z": "s"}[last]
            lemmas.append(voiceless)
            if before in _VOWELS and third not in _VOWELS:
                lemmas.append(voiceless[:-1] + before + voiceless[-1])
        if ending == "en" and not stem.endswith("ing"):
            lemmas.append(stem + "ing")
    return list(dict.fromkeys(lemmas))


def _english_stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)
