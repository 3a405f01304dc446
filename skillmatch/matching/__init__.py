"""Matching text to ESCO: learning outcomes to skills, job titles and vacancies to occupations.

One module per concern: ``matcher`` (the :class:`Matcher` that ties them together), one module
per evidence channel (``label``, ``description``, ``lexical``, ``context``, ``crosslingual``)
behind the protocol in ``channel``, the Dutch ``gloss`` reading, the ``candidates`` search, the
``decision`` (ranking, calibration, linked or suggested; per learning outcome in
``outcome_scores``), a ``vacancy``'s title, the ``settings`` (tuned ones loaded from
``models/matching-settings.json``), the stored ``artefacts``, the taxonomy store read as the
matcher needs it (``lazy_taxonomy``), and for a service: the matcher loaded in the
``background`` and its requests run in a ``queue``.
"""

from skillmatch.matching.channel import Evidence
from skillmatch.matching.decision import Match, Status
from skillmatch.matching.matcher import CHANNELS, Matcher, long_lived_loading, open_matcher
from skillmatch.matching.settings import Calibration, MatchSettings, TunedSettings, TunedSettingsWarning, Weights
from skillmatch.matching.vacancy import blend_title, vacancy_title

__all__ = [
    "CHANNELS",
    "Calibration",
    "Evidence",
    "Match",
    "MatchSettings",
    "Matcher",
    "Status",
    "TunedSettings",
    "TunedSettingsWarning",
    "Weights",
    "blend_title",
    "long_lived_loading",
    "open_matcher",
    "vacancy_title",
]
