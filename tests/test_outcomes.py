"""Splitting a credential's outcome block into single learning outcomes."""

from __future__ import annotations

import pytest

from skillmatch.errors import InputError
from skillmatch.outcomes import MAX_TEXT_CHARS, split_outcomes


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ("De student kan:\n- een API ontwerpen\n- tests schrijven", ["een API ontwerpen", "tests schrijven"]),
        ("De student kan data opschonen. De student kan een model trainen.",
         ["data opschonen", "een model trainen"]),
        # The Dutch pattern without punctuation between outcomes.
        ("De student kan data opschonen De student kan een model trainen en evalueren",
         ["data opschonen", "een model trainen en evalueren"]),
        ("After this course the student is able to:\n1. design a relational database schema\n"
         "2) write SQL queries, e.g. joins and aggregates\n3. explain normalisation to stakeholders.",
         ["design a relational database schema", "write SQL queries, e.g. joins and aggregates",
          "explain normalisation to stakeholders"]),
        ("Je kunt wondzorg toepassen volgens protocol; je kunt medicatie veilig toedienen.",
         ["wondzorg toepassen volgens protocol", "medicatie veilig toedienen"]),
        # A bullet wrapped over two lines stays one outcome.
        ("• Analyseren van energieverbruik in gebouwen\n• Adviseren over\n  isolatiemaatregelen",
         ["Analyseren van energieverbruik in gebouwen", "Adviseren over isolatiemaatregelen"]),
        ("a) plan care b) evaluate care", ["plan care", "evaluate care"]),
        ("javascript reactjs java", ["javascript reactjs java"]),
        ("Students will be able to apply lean principles, bijv. 5S en kaizen.",
         ["apply lean principles, bijv. 5S en kaizen"]),
    ],
)
def test_split(block: str, expected: list[str]) -> None:
    assert split_outcomes(block) == expected


@pytest.mark.parametrize("bad", ["", "   \n\t", "De student kan:", "- \n- ."])
def test_nothing_to_match(bad: str) -> None:
    with pytest.raises(InputError):
        split_outcomes(bad)


def test_huge_text_is_refused() -> None:
    with pytest.raises(InputError, match="longer than the 50,000 allowed"):
        split_outcomes("x" * (MAX_TEXT_CHARS + 1))
