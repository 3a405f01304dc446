"""A matching request's budget: texts, characters per text and in all, learning outcomes in all.
One request of 64 texts of 14,500 characters, under the body size limit, cost 330 s of CPU before;
now what is over the budget is refused before any matching, within a second."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from api.config import ApiSettings
from skillmatch.matching import Matcher
from skillmatch.outcomes import MAX_TEXT_CHARS
from tests.conftest import problem
from tests.security.conftest import make, service

OUTCOME = "- analyse energy consumption data with Python and report the findings to the client.\n"


def timed(api: TestClient, path: str, texts: list[str], headers: dict[str, str]) -> tuple[float, object]:
    started = time.perf_counter()
    response = api.post(path, headers=headers, json={"texts": texts})
    return time.perf_counter() - started, response


def test_the_costly_request_of_the_issue_is_refused_at_once(api: TestClient) -> None:
    headers = make(api, "daan", "learner").headers
    seconds, response = timed(api, "/v1/match/skills", [OUTCOME * 170] * 64, headers)  # 64 x 14,450 characters
    issues = problem(response, 422)["errors"]
    assert seconds < 1, seconds
    assert [issue["loc"] for issue in issues] == [f"body.texts.{i}" for i in range(64)]
    assert "at most 4,000 characters, not 14,450 (SKILLMATCH_MATCH_MAX_TEXT_CHARS)" in issues[0]["msg"]


@pytest.mark.parametrize("path", ["/v1/match/skills", "/v1/match/occupations"])
def test_more_characters_in_all_than_allowed_is_413(api: TestClient, path: str) -> None:
    headers = make(api, "daan", "learner").headers
    seconds, response = timed(api, path, [OUTCOME * 45] * 64, headers)  # each 3,825, in all 244,800
    body = problem(response, 413)
    assert seconds < 1, seconds
    assert body["type"].endswith("/request-too-large")
    assert body["detail"].startswith("the texts hold 244,800 characters in all; a request may hold at most 20,000 "
                                     "(SKILLMATCH_MATCH_MAX_CHARS)")


def test_more_outcomes_in_all_than_allowed_is_413(api: TestClient) -> None:
    headers = make(api, "daan", "learner").headers
    short = "".join(f"- plan task {i}\n" for i in range(60))  # 60 outcomes in 900 characters
    seconds, response = timed(api, "/v1/match/skills", [short] * 4, headers)
    assert seconds < 1, seconds
    assert "hold 240 learning outcomes in all; a request may hold at most 200 (SKILLMATCH_MATCH_MAX_OUTCOMES)" \
        in problem(response, 413)["detail"]
    # Job titles and vacancies are not split into outcomes: the same texts are within budget there.
    assert api.post("/v1/match/occupations", headers=headers, json={"texts": [short] * 4}).status_code == 200


def test_more_texts_than_allowed_is_422_naming_the_field(api: TestClient) -> None:
    headers = make(api, "daan", "learner").headers
    response = api.post("/v1/match/skills", headers=headers, json={"texts": ["plan care"] * 65})
    assert problem(response, 422)["errors"][0]["loc"] == "body.texts"


def test_the_budget_is_set_by_the_settings(tmp_path: Path, esco_matcher: Matcher) -> None:
    with service(tmp_path, esco_matcher, match_max_texts=2, match_max_text_chars=200, match_max_chars=300,
                 match_max_outcomes=3) as api:
        headers = make(api, "daan", "learner").headers
        within = api.post("/v1/match/skills", headers=headers, json={"texts": [OUTCOME * 2, "plan nursing care"]})
        assert within.status_code == 200 and within.json()["count"] == 2, within.text
        for texts, status, limit in (([OUTCOME] * 3, 422, "at most 2 items"),
                                     ([OUTCOME * 3], 422, "at most 200 characters"),
                                     ([OUTCOME * 2, OUTCOME * 2], 413, "at most 300"),
                                     ([OUTCOME * 2, "- plan care\n- give care"], 413,
                                      "at most 3 (SKILLMATCH_MATCH_MAX_OUTCOMES)")):
            assert limit in problem(api.post("/v1/match/skills", headers=headers, json={"texts": texts}),
                                    status)["detail"]


def test_a_text_may_not_be_allowed_longer_than_the_matcher_takes() -> None:
    with pytest.raises(ValidationError, match="match_max_text_chars"):
        ApiSettings(match_max_text_chars=MAX_TEXT_CHARS + 1)
