"""Description channel: a text's cosine with the concept's ESCO description (0 where it has none),
from the same dense index as the labels: better recall on paraphrases of what a skill is."""

from __future__ import annotations

from skillmatch.matching.label import LabelChannel


class DescriptionChannel(LabelChannel):
    name = "description"
    descriptions = True
