"""Dutch texts read twice: as written and as a word-by-word English gloss.

ESCO has English labels for every skill but Dutch ones for 17%, so a Dutch text is also matched as
its gloss (``skillmatch.glossary``: *Lastechnieken* -> "welding techniques"). Each gloss is a row
of its own beside its text; both readings are scored on the candidates of either (a concept that
only the gloss finds would otherwise keep half its score from a 0), and a blended channel's
evidence for the text is the weighted mean of the two rows.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from skillmatch.glossary import Glossary


@dataclass(frozen=True)
class Readings:
    """The rows to score for ``n`` texts: the texts, then the glosses of the Dutch ones."""

    texts: list[str]
    n: int
    #: Row -> the row of its other reading (itself where it has none).
    partner: np.ndarray
    #: Per row: an original text that reads as Dutch (whether or not its gloss differs from it).
    dutch: np.ndarray
    #: Share of a text's evidence that comes from its gloss.
    share: float

    @property
    def glossed(self) -> bool:
        return len(self.texts) > self.n

    def blend(self, scores: np.ndarray) -> None:
        """Give each glossed text the weighted mean of its two rows (in place; gloss rows unchanged)."""
        own, glosses = np.flatnonzero(self.partner[: self.n] != np.arange(self.n)), np.arange(self.n, len(self.texts))
        scores[own] = (1 - self.share) * scores[own] + self.share * scores[glosses]

    def chunks(self, size: int) -> Iterator[np.ndarray]:
        """Row ids in chunks of about ``size``, each row beside its other reading, never split
        from it; rows without one keep their order."""
        rows = np.arange(len(self.partner))
        key = np.where(rows <= self.partner, 2 * rows, 2 * self.partner + 1)
        order = np.argsort(key, kind="stable")
        start = 0
        while start < len(order):
            end = min(start + size, len(order))
            if end < len(order) and self.partner[order[end]] == order[end - 1]:
                end += 1
            yield order[start:end]
            start = end


def read(texts: Sequence[str], glossary: Glossary | None, share: float, *,
         sources: Sequence[str] | None = None) -> Readings:
    """The readings of ``texts``: with ``glossary`` (None: the kind is not glossed) each Dutch text
    is marked, and where ``share`` > 0, glossed. ``sources``: per text, what its gloss is made of
    (default the text itself; a Dutch outcome phrase is glossed verb first, as English orders it)."""
    n = len(texts)
    dutch, glosses = glossary.read(sources or texts, gloss=bool(share)) if glossary is not None else ([False] * n, {})
    own = np.fromiter(glosses, dtype=np.int64)
    partner = np.arange(n + len(glosses))
    partner[own], partner[n:] = np.arange(n, n + len(glosses)), own
    return Readings([*texts, *glosses.values()], n, partner,
                    np.r_[np.array(dutch, dtype=bool), np.zeros(len(glosses), dtype=bool)], share)
