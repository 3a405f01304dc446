"""A thing a learning outcome teaches, and the text handling the Dutch and English readers share."""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Words after which a list of examples follows; the examples are phrases of their own.
EXAMPLES = re.compile(
    r",?\s*\(?\b(?:zoals|bijvoorbeeld|bijv\.|waaronder|inclusief|onder andere|o\.a\.|met name"
    r"|such as|including|e\.g\.|for example|for instance|like)\s+", re.IGNORECASE)
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

def strip_end(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().rstrip(".;:!").strip()


def strip_frames(text: str, frames: tuple[re.Pattern[str], ...]) -> str:
    """Drop the frames in turn, as often as they match, keeping at least one word."""
    changed = True
    while changed:
        changed = False
        for frame in frames:
            stripped = frame.sub("", text, count=1)
            if stripped != text and len(stripped.split()) >= 1:
                text, changed = stripped, True
    return text


def split_examples(clause: str) -> tuple[str, list[str]]:
    """A clause without its examples, and the examples: "boekhoudpakket zoals Exact Online" ->
    ("boekhoudpakket", ["Exact Online"])."""
    found = EXAMPLES.search(clause)
    if not found or found.start() == 0:
        return clause, []
    tail = clause[found.end():].rstrip(")")
    items = [item.strip(" ,;()") for item in re.split(r",\s*|\s+(?:en|of|and|or)\s+", tail)]
    # "marketing-, financieel en organisatieplan": a part that ends in a hyphen is no item
    return clause[: found.start()].rstrip(" ,("), [item for item in items if len(item) > 1 and not item.endswith("-")]


def tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip(" ,;:")
    return text[:1].lower() + text[1:] if text[:2].isalpha() and text[1:2].islower() else text
