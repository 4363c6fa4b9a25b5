"""HTTP contract of POST /v1/screenings/preview, as a form or a curl user sees it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import NO_REASON_NOT_TO_MOVE
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator

PREVIEW = "/v1/screenings/preview"
SPEC: dict[str, Any] = yaml.safe_load((Path(__file__).parent.parent / "openapi.yaml").read_text())
OPERATION = SPEC["paths"][PREVIEW]["post"]


def schema_errors(instance: Any, name: str) -> list[str]:
    validator = Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": SPEC["components"]})
    return [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(instance)]


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body: dict[str, Any] = response.get_json(force=True)
    assert body["status"] == status
    return body


def test_nothing_answered_is_a_valid_start(client: FlaskClient) -> None:
    response = client.post(PREVIEW, json={})
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert list(body) == ["settled", "decision", "possible_decisions", "next_questions", "screening",
                          "screening_needs", "detail_questions", "assumed_defaults", "shown_questions",
                          "ready_to_move", "rules_version"]
    assert (body["settled"], body["decision"], body["screening"]) == (False, None, None)
    assert len(body["possible_decisions"]) == 5
    assert body["next_questions"][0] == "red_flags" and body["next_questions"][-1] == "hip_pinch"
    assert schema_errors(body, "Preview") == []


@pytest.mark.parametrize(("answers", "shows_sumo_days"), [
    ({}, False), ({"lifting_style": "conventional"}, False), ({"lifting_style": "mixed"}, True),
    ({"lifting_style": "sumo", "sumo_days_per_week": 2}, True),
])
def test_the_preview_says_which_questions_a_form_shows(client: FlaskClient, answers: dict[str, Any],
                                                        shows_sumo_days: bool) -> None:
    """show_if is evaluated on the server only: forms show `shown_questions`, in questionnaire order."""
    questions = [question["id"] for question in client.get("/v1/questionnaire").get_json()["questions"]]
    shown = client.post(PREVIEW, json=answers).get_json()["shown_questions"]
    hidden = {"pain_severity"} | (set() if shows_sumo_days else {"sumo_days_per_week"})  # no painful area given
    assert shown == [q for q in questions if q not in hidden]


def test_a_contraindication_settles_with_the_full_screening(client: FlaskClient) -> None:
    body = client.post(PREVIEW, json={"red_flags": ["unwell"]}).get_json()
    assert (body["settled"], body["decision"], body["next_questions"]) == (True, "not_recommended", [])
    assert body["screening"]["refer"] is True and body["screening"]["refer_urgency"] == "urgent"
    assert body["assumed_defaults"]["hip_ir"] == "not_tested" and "hip_pinch" not in body["assumed_defaults"]
    assert schema_errors(body, "Preview") == []


def test_the_settled_screening_is_what_screenings_gives(client: FlaskClient, answers: dict[str, Any]) -> None:
    partial = {key: value for key, value in answers.items() if key != "squats"}
    partial.update(hip_pinch=False, structural_conditions=[], pain_areas=[])
    body = client.post(PREVIEW, json=partial).get_json()
    assert body["assumed_defaults"] == {"squats": False, "wall_available": True}
    full = client.post("/v1/screenings", json={**partial, **body["assumed_defaults"]}).get_json()
    assert {**full, "id": body["screening"]["id"]} == body["screening"]


def test_a_form_following_next_questions_asks_fewer_questions(client: FlaskClient, answers: dict[str, Any]) -> None:
    """Answer only what next_questions asks for, first item first, until settled."""
    athlete = dict(answers)
    given: dict[str, Any] = {}
    while True:
        body = client.post(PREVIEW, json=given).get_json()
        if body["settled"]:
            break
        given[body["next_questions"][0]] = athlete[body["next_questions"][0]]
    for question in body["screening_needs"]:
        given[question] = athlete[question]
    body = client.post(PREVIEW, json=given).get_json()
    full = client.post("/v1/screenings", json=athlete).get_json()
    assert body["decision"] == full["decision"] == "recommended"
    assert len(given) < len(client.get("/v1/questionnaire").get_json()["questions"])


def candidate_values(question: dict[str, Any]) -> list[Any]:
    """Every answer a brute-force check tries: all scalars, and each single option or none for lists."""
    if question["type"] == "boolean":
        return [True, False]
    if question["type"] == "integer":
        return [None, *range(question["minimum"], question["maximum"] + 1)]
    values = [option["value"] for option in question["options"]]
    return [[], *([value] for value in values)] if question["type"] == "multi_choice" else values


@pytest.mark.parametrize("partial", [
    {"red_flags": [], "age": 30, "recent_surgery": [], "recent_injury": False, "sex": "male", "lifting_style": "sumo",
     "prior_soft_tissue_work": True, "hip_ir": "limited", "hip_pinch": False, "structural_conditions": [],
     "pain_areas": []},
    {"red_flags": [], "age": 30, "recent_surgery": [], "recent_injury": False, "sex": "female",
     "lifting_style": "none", "prior_soft_tissue_work": False, "hip_ir": "limited", "hip_pinch": False,
     "structural_conditions": [], "pain_severity": 3, "pain_areas": ["low_back"]},
], ids=["recommended", "with_caution"])
def test_detail_questions_are_exactly_the_optional_ones_that_change_the_screening(
        client: FlaskClient, partial: dict[str, Any]) -> None:
    """Brute force through /v1/screenings: a listed question has an answer that changes the screening."""
    body = client.post(PREVIEW, json=partial).get_json()
    assert body["settled"] and body["screening"] is not None and body["screening_needs"] == []
    assert schema_errors(body, "Preview") == []
    baseline = {key: value for key, value in body["screening"].items() if key != "id"}
    changing = []
    for question in client.get("/v1/questionnaire").get_json()["questions"]:
        if question["id"] in partial or question["id"] not in body["shown_questions"]:
            continue
        for value in candidate_values(question):
            full = client.post("/v1/screenings", json={**partial, **body["assumed_defaults"], question["id"]: value})
            if {key: item for key, item in full.get_json().items() if key != "id"} != baseline:
                changing.append(question["id"])
                break
    assert body["detail_questions"] == changing
    assert "wall_available" in changing  # without a wall the variant changes


def test_a_contraindication_asks_no_detail_questions(client: FlaskClient) -> None:
    body = client.post(PREVIEW, json={"hip_pinch": True}).get_json()
    assert body["settled"] and body["detail_questions"] == []


def test_bad_values_are_422_naming_each_field(client: FlaskClient) -> None:
    response = client.post(PREVIEW, json={"sex": "woman", "pain_severity": "5", "hip_pinch": None, "extra": 1})
    body = problem(response, 422)
    assert body["title"] == "Invalid answers"
    assert body["errors"] == {
        "sex": ["Must be one of: female, male, other, prefer_not_to_say."],
        "pain_severity": ["Not a valid integer."],
        "hip_pinch": ["Field may not be null."],
        "extra": ["Unknown field."],
    }
    assert schema_errors(body, "ValidationProblem") == []


def test_values_are_checked_exactly_as_for_screenings(client: FlaskClient, answers: dict[str, Any]) -> None:
    bad = {"sports": ["running", "running"], "sumo_days_per_week": 8, "structural_conditions": [1]}
    preview = problem(client.post(PREVIEW, json=bad), 422)["errors"]
    full = problem(client.post("/v1/screenings", json={**answers, **bad}), 422)["errors"]
    assert preview == full and set(preview) == set(bad)


@pytest.mark.parametrize("payload", ["[]", '"answers"', "3", "null"])
def test_a_body_that_is_not_an_object_is_422(client: FlaskClient, payload: str) -> None:
    response = client.post(PREVIEW, data=payload, content_type="application/json")
    assert problem(response, 422)["errors"] == {"_body": ["Expected a JSON object."]}


def test_malformed_or_non_json_bodies(client: FlaskClient) -> None:
    problem(client.post(PREVIEW, data="{", content_type="application/json"), 400)
    problem(client.post(PREVIEW, data="{}", content_type="text/plain"), 415)
    assert problem(client.get(PREVIEW), 405)


@pytest.mark.parametrize("name", list(OPERATION["requestBody"]["content"]["application/json"]["examples"]))
def test_spec_examples_are_valid_and_true(client: FlaskClient, name: str) -> None:
    request = OPERATION["requestBody"]["content"]["application/json"]["examples"][name]["value"]
    expected = OPERATION["responses"]["200"]["content"]["application/json"]["examples"][name]["value"]
    assert schema_errors(request, "PartialAnswers") == []
    assert schema_errors(expected, "Preview") == []
    actual = client.post(PREVIEW, json=request).get_json()
    ignore = {"id", "rules_version"}
    if expected["screening"] is not None:
        actual["screening"] = {k: v for k, v in actual["screening"].items() if k not in ignore}
        expected = {**expected, "screening": {k: v for k, v in expected["screening"].items() if k not in ignore}}
    assert {k: v for k, v in actual.items() if k != "rules_version"} == {
        k: v for k, v in expected.items() if k != "rules_version"}


def test_partial_answers_are_the_answers_without_required() -> None:
    """Both refer to the same named schema for each answer, so the two cannot drift apart."""
    schemas = SPEC["components"]["schemas"]
    partial = schemas["PartialAnswers"]
    assert partial["additionalProperties"] is False and "required" not in partial
    assert partial["properties"] == schemas["Answers"]["properties"]
    assert all(set(prop) == {"$ref"} for prop in partial["properties"].values())
    assert schema_errors({"sex": "woman"}, "PartialAnswers") != []
    assert schema_errors({"colour": "blue"}, "PartialAnswers") != []


def test_a_null_answer_to_a_shown_required_question_is_left_open(client: FlaskClient) -> None:
    """null is "not answered": the preview treats it as the missing answer it stands for."""
    answers = {**NO_REASON_NOT_TO_MOVE, "pain_areas": ["knee"]}
    missing = client.post("/v1/screenings/preview", json=answers).get_json()
    null = client.post("/v1/screenings/preview", json={**answers, "pain_severity": None}).get_json()
    assert null["possible_decisions"] and null == missing
