"""Learning outcomes: split a credential's outcome block into single outcomes.

Issuers write outcomes as bullet lists, numbered lists, running sentences, or the Dutch
"De student kan ..." pattern (often several in a row, sometimes without punctuation). Each
outcome is matched on its own, so the split decides what a skill's evidence points at.
"""

from __future__ import annotations

import re

from skillmatch.errors import InputError

#: Longest text accepted for one mapping request; a credential's outcome block is far shorter.
MAX_TEXT_CHARS = 50_000
MAX_OUTCOMES = 200

_BULLET = re.compile(r"^\s*(?:[-*•·▪◦‣–—+>]|\(?\d{1,2}[.)]|\(?[a-zA-Z][.)]|\(?[ivxIVX]{1,4}[.)])\s+")
# Phrases that introduce an outcome; they carry no skill and are stripped, and a new one starts
# a new outcome even without punctuation ("De student kan X De student kan Y").
_LEAD = re.compile(
    r"\b(?:(?:de|het) (?:student|studenten|deelnemer|deelnemers|cursist|cursisten|lerende|professional)"
    r"(?: is| zijn)? (?:kan|kunnen|is in staat|zijn in staat|weet|heeft)(?: (?:om|te))?"
    r"|je (?:kunt|bent in staat)(?: om)?"
    r"|(?:the )?(?:students?|learners?|participants?|graduates?) (?:can|will be able to|is able to|are able to"
    r"|should be able to|will|has|have)"
    r"|(?:you|they) (?:can|will be able to))\b\s*:?",
    re.IGNORECASE,
)
_LEAD_IN = re.compile(r":\s*$")
# Sentence ends, but not after common abbreviations (e.g., i.e., bijv., o.a., m.b.v., etc.).
_SENTENCE_END = re.compile(
    r"(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\bbijv\.)(?<!\bo\.a\.)(?<!\bm\.b\.v\.)(?<!\betc\.)(?<!\bca\.)"
    r"(?<!\bvs\.)(?<=[.!?;])\s+(?=[\"'(\[]?[A-ZÀ-Þ0-9])"
)
# "a) plan care b) evaluate care": an enumeration inside one line.
_INLINE_ITEM = re.compile(r"\s+(?=(?:[a-z]|\d{1,2})\)\s)")


def _clean(fragment: str) -> str:
    fragment = _BULLET.sub("", fragment).strip(" \t-–—:;,.")
    return re.sub(r"\s+", " ", fragment)


def check_text(text: object) -> None:
    """Refuse what cannot be matched: no text, only whitespace, or more than MAX_TEXT_CHARS."""
    if not isinstance(text, str) or not text.strip():
        raise InputError("empty text: there is nothing to match")
    if len(text) > MAX_TEXT_CHARS:
        raise InputError(f"text of {len(text):,} characters is longer than the {MAX_TEXT_CHARS:,} allowed")


def split_outcomes(text: str) -> list[str]:
    """Split an outcome block into single learning outcomes.

    >>> split_outcomes("De student kan:\\n- een API ontwerpen\\n- tests schrijven")
    ['een API ontwerpen', 'tests schrijven']
    >>> split_outcomes("De student kan data opschonen. De student kan een model trainen.")
    ['data opschonen', 'een model trainen']
    """
    check_text(text)
    lines = [line for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n") if line.strip()]
    # A wrapped line (no bullet, starts in lower case, previous line unfinished) continues its item.
    items: list[str] = []
    for line in lines:
        stripped = line.strip()
        if items and not _BULLET.match(line) and stripped[:1].islower() and not re.search(r"[.!?;:]$", items[-1]):
            items[-1] += " " + stripped
        else:
            items.append(stripped)
    outcomes: list[str] = []
    for item in items:
        if _LEAD_IN.search(item):
            continue  # "After this course the student can:" introduces the list that follows
        for sentence in (part for piece in _INLINE_ITEM.split(item) for part in _SENTENCE_END.split(piece)):
            for part in _LEAD.split(sentence):
                cleaned = _clean(part)
                if len(cleaned) >= 3 and any(ch.isalpha() for ch in cleaned):
                    outcomes.append(cleaned)
    if not outcomes:
        raise InputError("no learning outcome found in the text (only punctuation or lead-in phrases)")
    return outcomes[:MAX_OUTCOMES]
