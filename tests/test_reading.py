"""The outcome reader: frames dropped, finite verbs made infinitive, coordination and lists split."""

from __future__ import annotations

import pytest

from skillmatch.matching.phrase import Phrase
from skillmatch.matching.reading import OutcomeReader
from skillmatch.taxonomy import Taxonomy


@pytest.fixture(scope="module")
def reader(official: Taxonomy) -> OutcomeReader:
    return OutcomeReader().fit(official)


def teaches(reader: OutcomeReader, text: str, lang: str) -> list[str]:
    return [phrase.text for phrase in reader.read(text, lang).phrases if not phrase.example]


@pytest.mark.parametrize(("text", "expected"), [
    ("De beroepskracht beoordeelt wonden en kiest passende wondverbanden.",
     ["wonden beoordelen", "passende wondverbanden kiezen"]),
    # separable verbs take their particle back, wherever the clause puts it
    ("De student dient medicatie toe volgens de vijf juiste principes en voert bij risicovolle medicatie "
     "een dubbele controle uit.",
     ["medicatie toedienen volgens de vijf juiste principes",
      "bij risicovolle medicatie een dubbele controle uitvoeren"]),
    ("Je handelt klachten van gasten klantvriendelijk af.", ["klachten van gasten klantvriendelijk afhandelen"]),
    # "is in staat om ... uit te voeren" and two coordinated infinitive clauses
    ("De deelnemer is in staat om een risicoanalyse uit te voeren en passende maatregelen voor te stellen.",
     ["een risicoanalyse uitvoeren", "passende maatregelen voorstellen"]),
    # two verbs sharing one object
    ("De student installeert een warmtepomp, vult en ontlucht het afgiftesysteem.",
     ["een warmtepomp installeren", "het afgiftesysteem vullen", "het afgiftesysteem ontluchten"]),
    ("Maten controleren met schuifmaat, micrometer en meetklok en afwijkingen toetsen aan de toleranties.",
     ["maten controleren met schuifmaat, micrometer en meetklok", "afwijkingen toetsen aan de toleranties"]),
    # a subordinate clause's verb-final parts are things taught too
    ("Je voert een verkoopgesprek waarin je behoeften uitvraagt en de order afsluit.",
     ["een verkoopgesprek voeren", "behoeften uitvragen", "de order afsluiten"]),
    # "aan de hand van" is a preposition, not the particle of "beoordelen"
    ("De dierverzorger beoordeelt het welzijn van varkens aan de hand van gedrag.",
     ["het welzijn van varkens aan de hand van gedrag beoordelen"]),
])
def test_dutch_outcomes(reader: OutcomeReader, text: str, expected: list[str]) -> None:
    assert teaches(reader, text, "nl") == expected


def test_a_frame_alone_leaves_the_phrase(reader: OutcomeReader) -> None:
    reading = reader.read("Na afloop van deze module kan de cursist een back-upschema opzetten.", "nl")
    # the text without its frame is a phrase of its own; the original is kept
    assert reading.text.startswith("Na afloop")
    assert [p.text for p in reading.phrases] == ["een back-upschema opzetten"]


@pytest.mark.parametrize(("text", "expected"), [
    ("The professional assesses wounds and chooses appropriate wound dressings.",
     ["assess wounds", "choose appropriate wound dressings"]),
    ("The learner can perform basic life support and use an AED on an adult.",
     ["perform basic life support", "use an AED on an adult"]),
    ("Students are able to clean and transform raw datasets in pandas, handling missing values.",
     ["clean raw datasets in pandas", "transform raw datasets in pandas", "handle missing values"]),
    ("Erect and inspect a system scaffold.", ["erect a system scaffold", "inspect a system scaffold"]),
    # nouns are no verbs: no split at "and ornamental shrubs" or ", health"
    ("Cut back fruit trees and ornamental shrubs with the right technique for shape, health and yield.", []),
])
def test_english_outcomes(reader: OutcomeReader, text: str, expected: list[str]) -> None:
    assert teaches(reader, text, "en") == expected


def test_example_lists_are_their_own_phrases(reader: OutcomeReader) -> None:
    reading = reader.read("Probe a web application with tools such as Nmap and Wireshark.", "en")
    assert [(p.text, p.example) for p in reading.phrases] == [
        ("probe a web application with tools", False), ("nmap", True), ("wireshark", True)]
    dutch = reader.read("Facturen verwerken met een boekhoudpakket zoals Exact Online.", "nl")
    assert [p.text for p in dutch.phrases] == ["facturen verwerken met een boekhoudpakket", "exact Online"]


def test_a_dutch_phrase_is_glossed_verb_first() -> None:
    assert Phrase("wonden beoordelen", "beoordelen").verb_first == "beoordelen wonden"
    assert Phrase("assess wounds", "assess").verb_first == "assess wounds"
    assert Phrase("orderpicken met een handscanner").verb_first == "orderpicken met een handscanner"


def test_reading_on_the_development_outcomes(reader: OutcomeReader) -> None:
    """Every development outcome reads without error, and most are taken apart or rephrased."""
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "learning_outcomes_dev.jsonl"
    if not path.is_file():
        pytest.skip("the development outcomes are not beside the checkout")
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    readings = [reader.read(item["text"], item["lang"]) for item in items]
    assert sum(bool(r.phrases) for r in readings) >= 0.8 * len(items)
    assert all(p.text and not p.text.lower().startswith(("de student", "je ", "the learner")) for r in readings
               for p in r.phrases)
