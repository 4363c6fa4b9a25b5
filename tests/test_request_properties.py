"""Properties of the request contract over generated answers, through POST /v1/screenings.

Valid answers are generated from the questionnaire the service serves; every one is
accepted. Any one step outside the contract is refused with a 422 naming that field and
nothing else.
"""

from __future__ import annotations

from typing import Any

from conftest import NO_REASON_NOT_TO_MOVE
from flask import Flask
from hypothesis import example, given, settings
from hypothesis import strategies as st

from service import rulebook

BOOK = rulebook.load()
QUESTIONS: list[dict[str, Any]] = BOOK.questionnaire_json()["questions"]
IDS = {question["id"] for question in QUESTIONS}
SETTINGS = settings(derandomize=True, database=None, max_examples=200, deadline=None)

JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=8))
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=6)


def choices(question: dict[str, Any]) -> list[str]:
    return [option["value"] for option in question.get("options", [])]


def nullable(question: dict[str, Any]) -> bool:
    return not question["required"] and question.get("default", 0) is None


def valid_value(question: dict[str, Any]) -> st.SearchStrategy[Any]:
    kind = question["type"]
    if kind == "single_choice":
        return st.sampled_from(choices(question))
    if kind == "multi_choice":
        return st.lists(st.sampled_from(choices(question)), unique=True)
    if kind == "boolean":
        return st.booleans()
    numbers = st.integers(question["minimum"], question["maximum"])
    return numbers | st.none() if nullable(question) else numbers


def only_shown(answers: dict[str, Any]) -> dict[str, Any]:
    """An answer to a question not shown is refused; a required one is needed only when shown."""
    shown = BOOK.shown(answers)
    return {name: value for name, value in answers.items() if name in shown}


def valid_answers() -> st.SearchStrategy[dict[str, Any]]:
    required = {q["id"]: valid_value(q) for q in QUESTIONS if q["required"]}
    optional = {q["id"]: valid_value(q) for q in QUESTIONS if not q["required"]}
    return st.fixed_dictionaries(required, optional=optional).map(only_shown)


def wrong_type(question: dict[str, Any]) -> st.SearchStrategy[Any]:
    kind = question["type"]
    containers = st.lists(JSON_SCALARS, max_size=3) | st.dictionaries(st.text(max_size=5), JSON_SCALARS, max_size=3)
    fractions = st.floats().filter(lambda number: not number.is_integer())
    strategies = {
        "single_choice": st.integers() | st.booleans() | st.floats() | containers,
        "multi_choice": st.text() | st.integers() | st.booleans() | st.dictionaries(st.text(), JSON_SCALARS)
        | st.lists(st.integers() | st.booleans(), min_size=1),
        "integer": st.text() | st.booleans() | fractions | containers,
        "boolean": st.integers() | st.text() | st.floats() | containers,
    }
    wrong = strategies[kind]
    return wrong if nullable(question) else wrong | st.none()


def out_of_range(question: dict[str, Any]) -> st.SearchStrategy[Any]:
    return st.integers(max_value=question["minimum"] - 1) | st.integers(min_value=question["maximum"] + 1)


def unknown_option(question: dict[str, Any]) -> st.SearchStrategy[Any]:
    stranger = st.text().filter(lambda text: text not in choices(question))
    if question["type"] == "single_choice":
        return stranger
    return st.tuples(st.lists(st.sampled_from(choices(question)), unique=True), stranger).map(
        lambda pair: [*pair[0], pair[1]])


def duplicated_item(question: dict[str, Any]) -> st.SearchStrategy[Any]:
    return st.lists(st.sampled_from(choices(question)), min_size=1, unique=True).map(lambda items: [*items, items[0]])


MUTATIONS = [
    *((q, wrong_type) for q in QUESTIONS),
    *((q, out_of_range) for q in QUESTIONS if q["type"] == "integer"),
    *((q, unknown_option) for q in QUESTIONS if q["type"] in ("single_choice", "multi_choice")),
    *((q, duplicated_item) for q in QUESTIONS if q["type"] == "multi_choice"),
]


def post(app: Flask, answers: dict[str, Any]) -> tuple[int, str, dict[str, Any]]:
    response = app.test_client().post("/v1/screenings", json=answers)
    return response.status_code, response.mimetype, response.get_json(force=True)


@SETTINGS
@given(answers=valid_answers())
def test_valid_answers_are_always_accepted(shared_app: Flask, answers: dict[str, Any]) -> None:
    status, _, body = post(shared_app, answers)
    assert status == 200, body
    assert body["decision"] in rulebook.DECISIONS


@SETTINGS
@given(answers=valid_answers(), data=st.data())
def test_a_bad_value_is_refused_naming_its_field(shared_app: Flask, answers: dict[str, Any],
                                                  data: st.DataObject) -> None:
    question, mutation = data.draw(st.sampled_from(MUTATIONS), label="mutation")
    answers[question["id"]] = data.draw(mutation(question), label=question["id"])
    status, mimetype, body = post(shared_app, answers)
    assert (status, mimetype) == (422, "application/problem+json"), body
    assert set(body["errors"]) == {question["id"]}


MINIMAL = {**NO_REASON_NOT_TO_MOVE, "sex": "female", "lifting_style": "none", "prior_soft_tissue_work": True}


@SETTINGS
@given(answers=valid_answers(), name=st.text(min_size=1).filter(lambda name: name not in IDS), value=JSON_VALUES)
@example(answers=MINIMAL, name="_schema", value=1)  # marshmallow's own key for body-level errors
@example(answers=MINIMAL, name="_body", value=None)
def test_an_unknown_field_is_refused_by_name(shared_app: Flask, answers: dict[str, Any], name: str,
                                             value: Any) -> None:
    status, _, body = post(shared_app, {**answers, name: value})
    assert status == 422
    assert body["errors"] == {name: ["Unknown field."]}


@SETTINGS
@given(answers=valid_answers(), data=st.data())
def test_a_missing_required_answer_is_refused_by_name(shared_app: Flask, answers: dict[str, Any],
                                                      data: st.DataObject) -> None:
    missing = data.draw(st.sampled_from([q["id"] for q in QUESTIONS if q["required"] and q["id"] in answers]),
                        label="missing")
    del answers[missing]
    status, _, body = post(shared_app, answers)
    assert status == 422
    assert body["errors"] == {missing: ["Missing data for required field."]}


def test_the_generated_questionnaire_is_the_one_served(shared_app: Flask) -> None:
    served = shared_app.test_client().get("/v1/questionnaire").get_json()
    assert served["questions"] == QUESTIONS
